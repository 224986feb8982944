// Package localstore is the encrypted device cache of the Signpost app: the
// practitioner's caseload, the signposting results they looked up, the outbox
// of changes and offline view events waiting for the directory, the sync
// cursor, the policy and the head of the offline-audit hash chain.
//
// # Keys
//
// The cache is one SQLCipher database (signpost-cache.db) opened with a
// random 256-bit data key given raw (x'…'), so SQLCipher's own key derivation
// does not run on every open. The data key is stored only wrapped, in
// signpost-cache.key: Argon2id turns the passphrase into a key-encryption key
// (parameters, 64 MiB by default, stored in the file) and XChaCha20-Poly1305
// seals the data key with the file's header as associated data. Changing the
// passphrase re-wraps the data key; the database is never re-encrypted. The
// key file (mode 0600) is two fixed-size slots overwritten in place
// alternately, each with a generation and a checksum, fsynced after each
// write; a reader takes the newest valid slot, so a write cut short leaves the
// previous copy (keyfile.go says how). It is never replaced by rename, which
// would leave every old copy of the wrapped key in freed disk blocks. Besides the wrapped key it holds only what a locked
// cache must obey or report: the wrong-attempt counter, the offline limits,
// the last contact with the directory, the device id and a bare count of
// unsent changes — nothing about any child.
//
// Nothing readable reaches the disk: pages are encrypted in the database and
// its WAL, temporary storage is memory, freed cells are zeroed (secure_delete),
// SQLCipher's memory security (on by default in this version) keeps its
// allocations out of swap and zeroes them when freed, and the package never
// logs child data. Known limits: an attacker who copies the key file can guess
// passphrases offline at Argon2's cost (the counter only stops guessing on the
// device, and it and the offline clock can be edited by someone who can write
// the file); a Go string (the passphrase, the key's hex form while a
// connection opens) cannot be zeroed, but the key bytes the Store holds are
// zeroed on Lock; and on flash or copy-on-write disks overwriting a file does
// not guarantee the old blocks are gone, which is why the wipe relies on the
// key being unrecoverable rather than on overwriting the database.
//
// # Lifecycle
//
// Create makes a cache and returns it unlocked; Open returns an existing one
// locked; Unlock takes the passphrase; Lock drops the key. After
// Policy.MaxPassphraseAttempts wrong passphrases in a row the cache wipes
// itself. Time offline is the time since the last contact with the directory
// (RecordContact, ApplyPull) by this device's clock; once the cache notices
// the clock was wound back, the time it removed is added back. After
// Policy.OfflineLockHours the cache locks and will not unlock until
// RecordContact follows an online sign-in; after Policy.OfflineWipeDays it
// wipes. A wipe is a crypto-erase: the key file (both slots) and any
// temporary key file left by an interrupted write are overwritten with random
// bytes, synced and deleted, then the database, WAL and SHM files are
// deleted. Errors of kind wiped carry a WipeReport (WipeReportOf).
//
// # Outbox
//
// Every change is a signpost.Mutation with a UUIDv7 id, written with its
// optimistic effect on the cached child in one transaction (Enqueue). Offline
// views (ViewChild) are MutView events chained by hash. The sync client takes
// batches with NextBatch (pending → in flight), pushes them, and records the
// answers with MarkResults (one transaction) or ReturnToPending. A rejected
// change stays, with the directory's reason, until Dismiss or Retry, and never
// blocks the ones behind it.
//
// # Unconfirmed changes and pulls
//
// Each cached child is kept twice: the directory's copy exactly as sent, and
// the copy the app shows — the directory's copy with the practitioner's
// unconfirmed changes (pending or in flight) replayed on top in outbox order.
// A child is dirty while such a change exists. When a pull brings a new copy
// of a dirty child, the new copy is stored and the unconfirmed changes are
// replayed on it, so newer directory data and the optimistic changes both
// show; a pull never overwrites them. Replay is idempotent as the directory
// is (starting an involvement that exists does nothing; ending, CAF and lead
// act on the practitioner's active involvement if there is one), so a change
// the directory applied before its answer was recorded is not applied twice.
// An applied change leaves the outbox and its effect stays shown until the
// next pull brings the directory's copy with it. A rejected change is undone
// by rebuilding the child from the directory's copy and the changes still
// unconfirmed; other confirmed changes to that child that the next pull has
// not yet brought disappear until that pull, which the sync client makes
// straight after each push. Removals (shielding, leaving the scope) delete the
// cached copy outright even if it is dirty; its unsent changes stay in the
// outbox for the directory to judge.
//
// # Children met in the field, and corrections
//
// A child met in the field (no Signpost ID, only an identity) is not in the
// cache, so no copy of her can carry the change: the caseload lists her
// change itself as a provisional row, waiting or refused. When the directory
// applies it, the change leaves the outbox but whom it matched her to is kept
// (met_outcomes) for the Changes tab until dismissed, and her row waits for
// the next completed pull, which brings her record in its place. Edit
// corrects a waiting change in place (same id, same place in the queue),
// checked against the child as the changes before it leave her and checking
// those after it in turn; the shown copy is then rebuilt as after Cancel.
//
// Each public data method is one transaction over small (ctx, tx) helpers;
// methods that may block take a context. Errors are *signpost.Error with a kind and a message safe to show.
package localstore
