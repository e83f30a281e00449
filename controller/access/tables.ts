/**
 * The access module's tables (migration 0100-access). Times are ISO 8601 text and flags are
 * 0/1 integers so the same queries run on SQLite and PostgreSQL; JSON is stored as text.
 */
export interface AccessLevelRow {
  id: string;
  name: string;
  /** 1 is the Central Office; a level may only create levels with a larger rank. */
  rank: number;
  parent_id: string | null;
  /** JSON array of permission keys (see permissions.ts). */
  permissions: string;
  /** 1: users of this level see every facility (Central Office, Reporting Tools). */
  all_facilities: number;
  created_at: string;
  created_by: string | null;
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  level_id: string;
  /** "state" or "contractor" (Access Control: contractor staff have their own IDs). */
  kind: string;
  password_hash: string;
  password_changed_at: string;
  must_change_password: number;
  failed_attempts: number;
  locked_until: string | null;
  disabled: number;
  language: string;
  created_at: string;
  updated_at: string;
}

export interface UserFacilityRow {
  user_id: string;
  facility_id: string;
}

export interface SessionRow {
  /** SHA-256 of the cookie token: a stolen database does not yield live sessions. */
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string;
  user_agent: string;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  entity: string;
  entity_id: string | null;
  facility_id: string | null;
  outcome: string;
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

export interface SettingRow {
  key: string;
  value: string;
}

export interface AccessTables {
  access_levels: AccessLevelRow;
  users: UserRow;
  user_facilities: UserFacilityRow;
  sessions: SessionRow;
  audit_log: AuditRow;
  audit_archive: AuditRow;
  access_settings: SettingRow;
}
