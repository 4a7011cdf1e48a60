use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its `run_at` (first run or a retry).
    Pending,
    /// Claimed by a worker.
    Running,
    /// Finished successfully.
    Done,
    /// Out of attempts (or its webhook is disabled); listed for the operator, retryable.
    Dead,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "done" => Self::Done,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// One attempt at a job.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Attempt {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub ok: bool,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    /// The start of the receiver's answer.
    pub response: Option<String>,
    /// Which worker made the attempt.
    pub worker: Option<String>,
}

/// A job as the operator sees it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Job {
    pub id: i64,
    pub tenant_id: String,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    /// When it runs next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: Job,
    pub attempt_log: Vec<Attempt>,
}
