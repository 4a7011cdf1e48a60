/**
 * The operator's client (`/admin/v1/*`, the operator token as bearer): tenants and their
 * keys, usage, jobs and the audit log of every tenant.
 */

import { createApi, unwrap, type RestOptions } from "../http.js";
import type { components } from "../generated/openapi.js";
import type { CreatedTenant, Page, Tenant } from "../types.js";
import { RestClient } from "./base.js";

type S = components["schemas"];

export interface AdminClientOptions extends RestOptions {
  /** The operator token (`PARLEY_ADMIN_TOKEN`, or the server's generated `admin-token` file). */
  adminToken: string;
}

export class ParleyAdminClient extends RestClient {
  constructor(options: AdminClientOptions) {
    super(createApi(options, { headers: () => ({ Authorization: `Bearer ${options.adminToken}` }) }), options.fetch);
  }

  /** Creates a tenant; its keys and signing secret are in this answer only. */
  createTenant(tenant: S["NewTenant"]): Promise<CreatedTenant> {
    return unwrap(this.api.POST("/admin/v1/tenants", { body: tenant }));
  }

  listTenants(query: { limit?: number; cursor?: string } = {}): Promise<Page<Tenant>> {
    return unwrap(this.api.GET("/admin/v1/tenants", { params: { query } }));
  }

  getTenant(tenantId: string): Promise<Tenant> {
    return unwrap(this.api.GET("/admin/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId } } }));
  }

  updateTenant(tenantId: string, patch: S["TenantPatch"]): Promise<Tenant> {
    return unwrap(
      this.api.PATCH("/admin/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId } }, body: patch }),
    );
  }

  async deleteTenant(tenantId: string): Promise<void> {
    await unwrap(this.api.DELETE("/admin/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId } } }));
  }

  /** Creates a publishable or secret key for the tenant; the key is in this answer only. */
  createKey(tenantId: string, key: S["NewKey"]): Promise<S["CreatedKey"]> {
    return unwrap(
      this.api.POST("/admin/v1/tenants/{tenant_id}/keys", { params: { path: { tenant_id: tenantId } }, body: key }),
    );
  }

  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    await unwrap(
      this.api.DELETE("/admin/v1/tenants/{tenant_id}/keys/{key_id}", {
        params: { path: { tenant_id: tenantId, key_id: keyId } },
      }),
    );
  }

  tenantUsage(tenantId: string): Promise<S["Usage"]> {
    return unwrap(
      this.api.GET("/admin/v1/tenants/{tenant_id}/usage", { params: { path: { tenant_id: tenantId } } }),
    );
  }
}
