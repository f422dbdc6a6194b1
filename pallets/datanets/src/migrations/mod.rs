//! Storage migrations. The pallet is at storage version 0 (its first layout); a change to
//! any stored type adds a `vN.rs` here with a `VersionedMigration` and bumps
//! `STORAGE_VERSION` in `lib.rs`.
