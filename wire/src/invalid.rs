use std::fmt;

/// A value that breaks a rule of the wire format: the message names the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

/// Checks that `value` is 1 to `max` characters, each one `allowed` (`what` says which).
pub fn check_chars(
    field: &str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    what: &str,
) -> Result<(), Invalid> {
    if value.is_empty() || value.chars().count() > max {
        return Err(Invalid(format!("`{field}` must be 1 to {max} characters")));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(Invalid(format!(
            "`{field}` contains {bad:?}; allowed: {what}"
        )));
    }
    Ok(())
}
