#pragma once
// The SQLite store's schema and its migrations. The version lives in
// PRAGMA user_version; each migration moves it up by one inside its own
// transaction, so a crash half way leaves the previous version intact.
#include "store/sqlite_db.hpp"

namespace confab::store::sqlite {

// The version this build creates and understands.
int latest_schema_version();

// Brings the database up to latest_schema_version(); refuses a database
// written by a newer confab rather than guess at its layout.
StoreResult<Done> migrate(Database& db);

}  // namespace confab::store::sqlite
