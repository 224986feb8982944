// Package localstore is the encrypted device cache of the Signpost app: the
// practitioner's caseload, the signposting results they looked up, the outbox
// of changes and offline view events waiting for the directory, the sync
// cursor, the policy and the head of the offline-audit hash chain.
//
// # Keys
//
// The cache is one SQLCipher database (cache.db) opened with a random 256-bit
// data key given raw (x'…'), so SQLCipher's own key derivation does not run on
// every open. The data key is stored only wrapped, in cache.key: Argon2id
// turns the passphrase into a key-encryption key (parameters, 64 MiB by
// default, stored in the file) and XChaCha20-Poly1305 seals the data key with
// the file's header as associated data. Changing the passphrase re-wraps the
// data key; the database is never re-encrypted. The key file is replaced
// atomically (temporary file, fsync, rename, fsync of the folder) with mode
// 0600. Besides the wrapped key it holds only what a locked cache must obey or
// report: the wrong-attempt counter, the offline limits, the last contact
// with the directory, the device id and a bare count of unsent changes —
// nothing about any child.
//
// Nothing readable reaches the disk: pages are encrypted in the database and
// its WAL, temporary storage is memory, freed cells are zeroed, and the
// package never logs child data. Known limits: an attacker who copies the key
// file can guess passphrases offline at Argon2's cost (the counter only stops
// guessing on the device), and a Go string (the passphrase, the key's hex form
// while a connection opens) cannot be zeroed; the key bytes the Store holds
// are zeroed on Lock.
//
// # Lifecycle
//
// Create makes a cache and returns it unlocked; Open returns an existing one
// locked; Unlock takes the passphrase; Lock drops the key. After
// Policy.MaxPassphraseAttempts wrong passphrases in a row the cache wipes
// itself. Time offline is the time since the last contact with the directory
// (RecordContact, ApplyPull) by this device's clock, never less than the latest
// time the clock has shown: after Policy.OfflineLockHours the cache locks and
// will not unlock until RecordContact follows an online sign-in; after
// Policy.OfflineWipeDays it wipes. A wipe is a crypto-erase: the key file is
// overwritten with random bytes, synced and deleted, then the database, WAL
// and SHM files are deleted. Errors of kind wiped carry a WipeReport
// (WipeReportOf).
//
// # Outbox
//
// Every change is a signpost.Mutation with a UUIDv7 id, written with its
// optimistic effect on the cached child in one transaction (Enqueue). Offline
// views (ViewChild) are MutView events chained by hash. The sync client takes
// batches with NextBatch (pending → in flight), pushes them, and records the
// answers with MarkResults (one transaction) or ReturnToPending. A rejected
// change stays, with the directory's reason, until Dismiss or Retry, and never
// blocks the ones behind it. How unconfirmed changes and pulled data combine is
// described in children.go: the directory's copy is kept as sent and the
// unconfirmed changes are replayed on it.
//
// Each public method is one transaction; methods that may block take a
// context. Errors are *signpost.Error with a kind and a message safe to show.
package localstore
