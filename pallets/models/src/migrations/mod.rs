//! Storage migrations. A change to any stored type adds a `vN.rs` here with a
//! `VersionedMigration` and bumps `STORAGE_VERSION` in `lib.rs`.

pub mod v1;
