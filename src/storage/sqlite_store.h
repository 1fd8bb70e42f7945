// File: sqlite_store.h
// The embedded Store: one SQLite file in WAL mode, shared safely by the CLI and any number
// of `serve` processes on the same host. Schema changes are numbered migrations applied
// in one transaction each and recorded in PRAGMA user_version.
#pragma once

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "storage/store.h"

namespace bulwark {

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

// The schema version this binary migrates to.
int SqliteSchemaVersion();

}  // namespace bulwark
