/**
 * What an access level may use. Access Control: the Central Office assigns "report
 * capabilities, menu functions, data input capability, query capability, screen view
 * capability, menu functionality assignment, and other system administrative functions" to
 * each lower level. Each permission is one key `<kind>.<name>`; the server checks the key on
 * every route, the UI only uses it to decide what to draw.
 */
export const PermissionKinds = ["menu", "report", "query", "entry", "action", "admin"] as const;
export type PermissionKind = (typeof PermissionKinds)[number];

export const Permissions = {
  // Menus (screen view capability)
  menuDashboard: "menu.dashboard",
  menuLiveCalls: "menu.live-calls",
  menuInmates: "menu.inmates",
  menuClassesOfService: "menu.classes-of-service",
  menuNumberLists: "menu.number-lists",
  menuRates: "menu.rates",
  menuPhoneBanks: "menu.phone-banks",
  menuCallRecords: "menu.call-records",
  menuRecordings: "menu.recordings",
  menuUsers: "menu.users",
  menuAccessLevels: "menu.access-levels",
  menuAudit: "menu.audit",
  // Reports
  reportCallDetail: "report.call-detail",
  reportUsage: "report.usage",
  reportRevenue: "report.revenue",
  reportFraud: "report.fraud",
  // Queries
  queryCallRecords: "query.call-records",
  queryRecordings: "query.recordings",
  queryInmates: "query.inmates",
  queryAudit: "query.audit",
  // Data entry
  entryInmates: "entry.inmates",
  entryPinReset: "entry.pin-reset",
  entryApprovedNumbers: "entry.approved-numbers",
  entryClassesOfService: "entry.classes-of-service",
  entryNumberLists: "entry.number-lists",
  entryRates: "entry.rates",
  entryPhoneBanks: "entry.phone-banks",
  // Operations on calls and recordings (Display of Calls in Progress, Recording)
  actionMonitor: "action.monitor",
  actionBarge: "action.barge",
  actionTerminate: "action.terminate",
  actionPlayRecording: "action.play-recording",
  actionDownloadRecording: "action.download-recording",
  // Administration (menu functionality assignment, system administrative functions)
  adminUsers: "admin.users",
  adminAccessLevels: "admin.access-levels",
  adminSettings: "admin.settings",
} as const;

export type Permission = (typeof Permissions)[keyof typeof Permissions];

export const allPermissions: readonly Permission[] = Object.values(Permissions);

export function isPermission(key: string): key is Permission {
  return (allPermissions as readonly string[]).includes(key);
}

export function permissionKind(p: Permission): PermissionKind {
  return p.slice(0, p.indexOf(".")) as PermissionKind;
}
