// Package directory is the Signpost central directory: the v1 HTTP JSON API,
// sign-in with a password and a TOTP code, signposting search, shielding,
// break-glass, audit, sync and devices. It stores everything through the Store
// interface (directory/sqlcipher is the embedded, encrypted implementation).
//
// # Wire protocol (v1)
//
// JSON over HTTPS; names are snake_case; every request but POST /v1/session
// sends "Authorization: Bearer <token>". Bodies are at most 1 MiB (else 413);
// unknown fields, malformed JSON, invalid identifiers and impossible dates get
// 400. Every error the directory writes has the body {"error": {"kind",
// "message", "field"}}, with kind one of signpost's ErrorKind values and field
// the request field at fault, named as in the JSON ("mutations.at" for a
// mutation's time). A path that is not clean (an empty, . or .. part, a
// trailing slash) is 404, never a redirect; a known path with another
// method is 405 with Allow. Times are RFC 3339.
//
//	GET  /healthz                           200 when the store answers
//	POST /v1/session                        {username, password, otp, device_id, device_name} → {token, user, policy, device_credential}
//	POST /v1/search                         signposting search → {matches, too_many}
//	GET  /v1/children/{id}?reason=          one child, shielding applied, audited
//	POST /v1/children/{id}/break-glass      {reason} → full record of a shielded child, audited and flagged
//	POST /v1/children/{id}/shield           {reason, review_date}: management team of the child's authority
//	DELETE /v1/children/{id}/shield         {reason}: unshield (reason required, audited; ?reason= also read)
//	POST /v1/sync/push                      {mutations} → {results}: applied | duplicate | rejected
//	GET  /v1/sync/pull?cursor=C&limit=N     {changes, removals, directives, cursor, more}
//	GET  /v1/sync/wait?cursor=C             long-poll: returns when there is something to pull, or after ~25 s
//	GET  /v1/alerts?before=ID&limit=N       management team: their authority's alerts, newest first {alerts, next}
//	GET  /v1/devices?after=P&limit=N        IT admin: a page of devices, most recently seen first {devices, next}
//	POST /v1/devices/{id}/wipe              IT admin: order a remote wipe {reason: lost | stolen | leaver} (body optional)
//	DELETE /v1/devices/{id}/wipe            IT admin: cancel a wipe order not yet carried out {reason} (or ?reason=; required, audited)
//	POST /v1/devices/{id}/wiped             the device's receipt {pushed, lost, wiped_at} (session or device credential)
//	GET  /v1/devices/self/directive         device credential only: {device_id, action: none | wipe, reason, ordered_at}
//	GET  /v1/reviews?after=ID&limit=N       management team (issue 14, review): their authority's open review items, oldest first {reviews, open, next}
//	GET  /v1/reviews/{id}                   management team: the incoming row beside each candidate, field by field {why, score, incoming, candidates}, audited
//	POST /v1/reviews/{id}                   management team: {action: link | create | dismiss, child_id (link), reason} → {id, status, child_id}; 409 once decided
//	POST /v1/merges/preview                 management team: {a, b} → {survivor, retired, child, notes}, changing nothing; audited
//	POST /v1/merges                         management team: {a, b, reason} merges two records of one child: the older Signpost ID survives
//	POST /v1/alerts/{id}/ack                management team: {note} (required, audited) → the alert; 409 if already acknowledged
//	GET  /v1/shielded?after=P&limit=N       management team: their authority's shielded children, review due first {children, next}
//	GET  /v1/children/{id}/access?before=ID&limit=N&user=U  management team of the child's authority: a page of its subject-access report, newest first {signpost_id, entries, next}
//	GET  /v1/children/{id}/access.csv?reason=  the same, the whole report as CSV (reason required; the export is audited)
//
// The review queue and merges (issue 14, slice review) belong to the
// management team of the authority a review item or child belongs to: any
// other caller gets 403 (an IT admin never sees a child), another
// authority's team 403 for one of its items or children, and its own (empty
// or not) list. The list's page is at most 100 (default 50); open counts
// every open item, for the app's badge. A review item shows, for each
// candidate, every field the row or the child holds with differs set where
// both hold one and they differ, and why in words: the matcher's reason
// ("more than one child matches"), "two candidates score alike", "shielded
// child", "postcode differs". A shielded candidate of another authority is
// shown withheld: its score and Signpost ID, none of its details. Linking
// takes one of the candidates or a child of the team's own authority, never
// another authority's shielded child (403: its own team decides).
// Decisions and merges are the code of signpost-directory review
// link|create|dismiss and merge (Config.Decider: directory/importer), each
// audited (review_link, review_create, review_dismiss, merge) with the
// reason; opening an item (review_view) and a preview (merge_preview) are
// audited as views. A merge keeps the older Signpost ID (the lower serial:
// signpost.IDCodec), carries shielding over, combines involvements, and the
// retired record leaves every laptop at its next pull (removal "merged").
//
// Issue 14, accounts slice: the management team manages its own authority's
// accounts and organisations, and how practitioners reach it (accounts_api.go):
//
//	GET  /v1/accounts?after=U&limit=N       a page of the authority's users by username {accounts, next}: username,
//	                                        display_name, role, job_title, organisation, disabled, must_change_password,
//	                                        last_sign_in, devices (active or ordered to wipe)
//	POST /v1/accounts                       {username, display_name, role, organisation, job_title, phone, email,
//	                                        password (optional), reason} → 201 {account, otpauth_url, temporary_password}
//	POST /v1/accounts/{username}/disable    {reason} → the account; its requests are refused at once (401)
//	POST /v1/accounts/{username}/enable     {reason} → the account
//	POST /v1/accounts/{username}/reset-authenticator  {reason} → {account, otpauth_url}; every session of theirs ends
//	POST /v1/accounts/{username}/reset-password       {reason} → {account, temporary_password}; every session ends
//	POST /v1/session/password               {username, password, otp, device_id, device_name, new_password} → as POST /v1/session
//	GET  /v1/organisations?after=ID&limit=N the authority's organisations {organisations: [{id, name, accredited, users}], next}
//	POST /v1/organisations/{id}/accredited  {accredited, reason} → the organisation
//	GET  /v1/authority/contact              {authority, phone, email} of the team
//	PUT  /v1/authority/contact              {phone, email, reason} → as GET (set-authority-contact calls the same code)
//
// Anyone but a management user is refused (403); an account or organisation
// of another authority is 404, as an unknown one. Every action needs a
// reason (400, field reason) and is audited (account_create,
// account_disable, account_enable, account_reset_authenticator,
// account_reset_password, organisation_accredit, organisation_unaccredit,
// authority_contact) with the target in params and never a secret. The
// otpauth URL and the temporary password are answered once and kept nowhere
// but as the store's secret and hash. A user created without a password gets
// a temporary one. A user whose password was reset (or created temporary)
// is answered 403 with field "new_password" at sign-in, once the password and
// code are right and before the code is spent; POST /v1/session/password
// with the same code and a new password (12 to 1024 characters, not the old
// one) sets it and signs in. A team may not disable itself (409) nor
// unaccredit its own organisation (409). Users of an unaccredited
// organisation cannot sign in (403) and their sessions are refused at once.
//
// Issue 16: notifications, sensitive services and the lead-professional
// handover (notify.go, wire_notify.go).
//
//	GET  /v1/notifications?before=ID        the caller's notifications, newest first {notifications, next, unread} (for those without a cache)
//	POST /v1/notifications/read             {ids} → {marked, unread}; the app sends the same as a read_notifications change
//	GET  /v1/notifications/settings         {muted, mutable}
//	PUT  /v1/notifications/settings         {muted}: only ended_involvement may be muted (400, field muted, otherwise)
//	POST /v1/children/{id}/lead/offer       the lead professional: {to: involvement id} → {child}; as an offer_lead change
//	POST /v1/children/{id}/lead/answer      the practitioner offered the role: {accept} → {child}; as accept_lead / decline_lead
//
// Pull carries notifications (after the cursor; delivered, not read). When
// an involvement starts, ends or the lead role is offered, accepted or
// declined, the practitioners working with the child now are told (an
// offer: the one offered); a practitioner of another authority starting
// tells that authority's management team too (moved_area). A feed that
// moves a child to another authority tells the practitioners working with
// the child (the lead among them) and the new authority's management team.
// Nobody else. A shielded child's notifications carry no location, no
// practitioner and no contact; a sensitive service without consent is, to
// everyone but its practitioner and its authority's management team, "a
// service that is not named here is involved — contact the management team
// of <authority>", in every record, pull, cache and notification. Every
// notification is audited (action notify, the recipient as user) and so is
// every sensitive marking (action sensitive). An end of the lead
// professional's involvement while someone else works with the child is
// rejected (result kind "conflict") unless the change has confirm: true.
//
// IT staff's devices list (issue 14, accounts slice) also takes
// ?user= and ?name= (a part of the username, of the device's name),
// ?state= (active, wipe_ordered, wiped, revoked), ?not_seen_days=N (1 to
// 3650) and ?sort=newest (the default: most recently seen first) or oldest;
// each device carries app_version and os (from the app's User-Agent,
// "Signpost/<version> (<os>; <arch>)", at sign-in and sync) and stale: true
// when a device in use has not been seen for the policy's device_stale_days
// (default 14; signpost-directory policy --set device_stale_days=N).
//
//	POST /v1/devices/{id}/revoke            IT admin: {reason} → the device, revoked (final; audited as revoke)
//
// A revoked device's every request is 401 with {"directives": [{"kind":
// "lock"}]} (its token is remembered, not as a session, until it would have
// expired): the laptop locks its cache at that contact. signpost-directory
// revoke calls the same code (RevokeDevice).
//
// Sign-in needs the password and a TOTP code; a code signs in once (it and
// every earlier one are refused from then on). Failed sign-ins are limited to
// 5 per 15 minutes per account and 30 per 15 minutes per client address; the
// limit is spent before the password is checked, and a successful sign-in
// gives it back. Password checks run a few at a time (one per CPU): when all
// are busy for 2 s the answer is 503 unavailable. Every 429 and 503 carries
// Retry-After, in seconds. Sessions last 12 hours.
//
// Search needs family name and date of birth, or family name, given name and
// postcode, or an identifier (signpost_id, nhs_number, upn). It tolerates typos,
// name variants and day/month swaps, returns at most 10 matches and otherwise
// answers too_many with no matches — unless at most 10 of the matches agree
// with every field given, when only those are returned (a given name or
// postcode beside a family name and date of birth narrows). A shielded child is found only through its
// visible fields: a search that used the postcode, NHS number or UPN never
// returns one. Searches are rate-limited per user (429) and audited with their
// parameters and results. These rules are signpost.PlanSearch and
// signpost.Rank: a device's cache searches offline by the same ones.
//
// Push applies each mutation exactly once: its id is recorded with its result
// in the same transaction as the change, and a replay answers "duplicate" with
// the first result (first_status, reason, ids). A rejected mutation is recorded
// too and never blocks those behind it. The kinds: start_involvement (role,
// on), end_involvement (on), set_caf and set_lead (value), hand_over_lead (to:
// the id of the involvement, someone else's with the child now, that becomes
// the lead; the sender must be the lead), met_child (identity) and view (an
// offline view, reason, chained by prev_hash and hash).
//
// A device ordered to wipe gets 410 with {"error": ..., "directives": [{"kind":
// "wipe"}]} on every request but its receipt. Its push is answered 410 too, but
// is applied first and the body carries the results as well, so the device can
// send its last changes before it wipes itself and lose nothing. This holds
// whatever the age of its token: the device's state is checked before the
// session's expiry, and an expired token of a device ordered to wipe may do
// just those two things, its push and its own receipt (for up to 94 days
// after it expired, as long as a wipe order is honoured); anything else is
// 410.
//
// Every sign-in also issues the device a device credential ("sdc." and 43
// characters; it replaces the last one), kept by the laptop outside its
// encrypted cache: a locked laptop has no key. It reads nothing: every route
// refuses it (401) but GET /v1/devices/self/directive, which says whether the
// device must wipe and why, and the device's own receipt. A wiped or revoked
// device's credential is refused too. A wipe ordered for a lost or stolen
// laptop is carried out as soon as the laptop asks, locked or not; a
// leaver's (or one with no reason, as from an older client) waits until the
// laptop is unlocked and has sent its last push.
//
// A device moves only between these states; wiped and revoked are final:
//
//	active       → wipe_ordered (IT orders a wipe) | revoked
//	wipe_ordered → wiped (the device's receipt)    | revoked | active (IT cancels the order)
//
// Ordering a wipe of a revoked or wiped device is 409; ordering it again
// changes only its reason, if one is given. Cancelling is audited
// (wipe_cancel), as the order is (wipe_order, with its reason). Revoking a device ends all its sessions at once. The
// devices list gives, for a device ordered to wipe, wipe_ordered_at,
// wipe_ordered_by and wipe_reason. A receipt is taken only for an outstanding order (else
// 409), with pushed and lost from 0 to 1,000,000 (else 400 naming the field)
// and a wiped_at after the order and not in the future, give or take five
// minutes (else 400, field wiped_at); a receipt without wiped_at is dated by
// its arrival.
//
// # Alerts, shielded children and subject access (issue 14)
//
// These are the management team's, for its own authority only: a
// practitioner or an IT admin gets 403, another authority's team 403 for a
// child and 404 for an alert, and lists are empty of anything not theirs.
// Pages hold at most 100 (limit, default 50). Each alert carries
// acknowledged_by, acknowledged_at and ack_note once acknowledged;
// escalated when it is unacknowledged and older than the policy's
// alert_escalate_hours (default 24); and access, the path of the audit of
// that access (the child's report filtered to the user who raised it; none
// for a harvest alert, which is about an account). The list carries
// unacknowledged and escalated, counted over all the authority's alerts.
// An acknowledgement is audited (alert_ack, with its note as reason).
//
// The shielded list gives each child's Signpost ID, names, date of birth and
// shielding {by, at, reason, review_date}, with overdue set when the review
// date is today or past. "Review now" is POST /v1/children/{id}/shield again
// (a renewal: new reason and review date, audited as shield_renew; the
// shielding it replaces is kept in the store's shield history, as is one an
// unshielding lifts) or DELETE /v1/children/{id}/shield with a reason.
//
// A subject-access report lists every audit event about the child: those
// naming it (views, offline views, break-glass, changes, shielding, exports)
// and every search that returned it. Each entry gives who (username and
// name), their organisation, the device (id and name), when, the action,
// the reason, and offline with claimed_at for what a laptop recorded
// without a connection. The export is CSV, not PDF: it opens in any
// spreadsheet, needs no dependency, and is streamed a page at a time at any
// size; a cell that would start with = + - or @ is prefixed with ' so no
// spreadsheet runs it. The export is audited (access_export, with its
// reason) before the first byte is sent, so it is in the report it sends.
// signpost-directory audit --child ID [--csv] and alerts --ack ID --note N
// run the same code.
//
// # Limits on what one account may read
//
// Signpost IDs are issued in an order that cannot be guessed (a keyed
// permutation per store), so they cannot be walked. Every search and every
// record opened counts against one per-user rate limit (429 with
// Retry-After). A person may open at most the policy's
// max_off_caseload_views_per_day records of children not on their caseload
// in a day (England's calendar; default 50): past it, 429 until the next day.
// Searches, records opened off the caseload, and Signpost IDs asked for that
// do not exist are counted per account and day; past the policy's harvest
// thresholds the account's authority's management team gets an alert of
// kind "harvest" (GET /v1/alerts) and the account is slowed to one such
// request a quarter-minute for the rest of the day. Devices are not sent
// these limits.
//
// # Records
//
// A child record never carries a practitioner's username: the involvements
// of the person asking have "mine": true. Every record carries "seq", the
// change number of its read, and every removal in a pull its own: a cache
// keeps the copy with the highest number and never stores a copy older than
// a removal of the child.
//
// A shielded record, redacted ("redacted": true) for everyone but the
// management team of its authority, carries "withheld_contact": {"team",
// "phone", "email"}, how to reach that team (set with set-authority-contact;
// phone and email may be absent). That team's copy carries instead
// "shielding": {"by", "at", "reason", "review_date"}: the name (never the
// username) of whoever shielded the child, when, why and the review date.
// No other copy, break-glass included, carries it.
//
// # Identifiers
//
// A Signpost ID is SP, eight digits and a Luhn check digit; an NHS number ten
// digits with a modulus-11 check digit; a UPN a check letter and twelve
// characters, checked by the DfE algorithm (weights 2 to 13, modulo 23, over
// the alphabet without I, O and S). The algorithm is the rule, not vendors'
// examples: P207000016049 is valid, although some vendor documents print it
// with a Q. Identifiers are accepted in any case and with spaces or hyphens.
//
// # Text
//
// Text is counted in characters. Names (given_name, family_name, username,
// device_name) are at most 100; every reason (search, ?reason= of a view,
// break-glass, shield, unshield, an offline view) at most 500 and must say
// something in words (at least two letters or digits); an involvement's role
// at most 100. No text may hold control characters (line breaks, tabs,
// escapes): a request that does gets 400 naming the field, a pushed change
// is rejected with the reason.
//
// # Push, in detail
//
// A push is limited by volume per user (429 with Retry-After; nothing of it
// is applied). Every change is stored with a digest of its content: the same
// id with other content is rejected ("already used for a different change").
// An involvement's start date (on, or the day of at) may not be in the
// future or before the child's birth; an end date not in the future or
// before the start. An offline view ("view") is recorded with the time the
// directory received it and the time the device claims; it is rejected if
// that claim is more than five minutes ahead of the directory's clock, before
// the device was enrolled, of a child that does not exist, or from an IT
// administrator.
//
// # Pull cursors
//
// A cursor is "N" (every change up to change number N was sent) or "N.R" (a
// page ended among the children one feed batch changed at number N). Pass it
// back unchanged.
//
// # Description and metrics (issue 17, operations)
//
// GET /v1/openapi.json (no sign-in) is an OpenAPI 3 description of every
// route above, generated from the wire types (openapi.json) and checked in
// openapi_test.go against the real answers of every endpoint. The
// directory's Prometheus metrics are not on the API's listener: serve
// --metrics-addr serves them at /metrics on a loopback address
// (ServeMetrics), labelled by route pattern and status, never by path.
package directory
