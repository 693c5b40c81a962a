#include "store/sqlite_schema.hpp"

#include <sqlite3.h>

#include <array>

namespace confab::store::sqlite {

namespace {

// migrations[n] takes a database from version n to n + 1. Never edit a
// released entry: append a new one.
constexpr std::array migrations = {
    // 1: accounts and their derived credentials (password_hashes.hpp). One
    // row per (realm, algorithm) and per mechanism, so a second realm or
    // SCRAM-SHA-512 is a row, not a new column.
    R"sql(
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  localpart TEXT NOT NULL,
  domain TEXT NOT NULL,
  created INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
  password_changed INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
  UNIQUE (domain, localpart)
);
CREATE TABLE digest_credentials (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  realm TEXT NOT NULL,
  algorithm TEXT NOT NULL CHECK (algorithm IN ('MD5', 'SHA-256')),
  ha1 TEXT NOT NULL,
  PRIMARY KEY (account_id, realm, algorithm)
);
CREATE TABLE scram_credentials (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  mechanism TEXT NOT NULL CHECK (mechanism IN ('SCRAM-SHA-1', 'SCRAM-SHA-256')),
  salt BLOB NOT NULL,
  iterations INTEGER NOT NULL CHECK (iterations >= 4096),
  stored_key BLOB NOT NULL,
  server_key BLOB NOT NULL,
  PRIMARY KEY (account_id, mechanism)
);
)sql",
    // 2: XMPP (RFC 6121, XEP-0160, XEP-0191; store/sqlite_xmpp_store.hpp).
    // Roster records include contacts who only asked to subscribe
    // (in_roster = 0). Offline ids come from AUTOINCREMENT, so an id is
    // never reused, even after the newest message is deleted: it can name
    // a message in an acknowledgement.
    R"sql(
CREATE TABLE roster_versions (
  account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  version INTEGER NOT NULL
);
CREATE TABLE roster_items (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  contact TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
  ask INTEGER NOT NULL DEFAULT 0 CHECK (ask IN (0, 1)),
  pending_in INTEGER NOT NULL DEFAULT 0 CHECK (pending_in IN (0, 1)),
  approved INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)),
  in_roster INTEGER NOT NULL DEFAULT 1 CHECK (in_roster IN (0, 1)),
  pending_in_stanza TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (account_id, contact)
);
CREATE TABLE roster_groups (
  account_id INTEGER NOT NULL,
  contact TEXT NOT NULL,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (account_id, contact, position),
  FOREIGN KEY (account_id, contact) REFERENCES roster_items (account_id, contact) ON DELETE CASCADE
);
CREATE TABLE offline_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  stored INTEGER NOT NULL,
  stanza TEXT NOT NULL
);
CREATE INDEX offline_messages_by_account ON offline_messages (account_id, id);
CREATE TABLE blocked_jids (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  jid TEXT NOT NULL,
  PRIMARY KEY (account_id, jid)
);
)sql",
    // 2 -> 3: vCards (XEP-0054), one per account, as the client sent it.
    R"sql(
CREATE TABLE vcards (
  account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  xml TEXT NOT NULL
);
)sql",
    // 3 -> 4: message archives (XEP-0313) and personal eventing (XEP-0163).
    // seq (AUTOINCREMENT: never reused) is archive order; uid is the id
    // clients see, unique per account. Stamps are Unix seconds.
    R"sql(
CREATE TABLE mam_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  uid TEXT NOT NULL,
  stamp INTEGER NOT NULL,
  with_bare TEXT NOT NULL,
  with_resource TEXT NOT NULL DEFAULT '',
  outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
  stanza TEXT NOT NULL,
  UNIQUE (account_id, uid)
);
CREATE INDEX mam_messages_by_account ON mam_messages (account_id, seq);
CREATE INDEX mam_messages_by_with ON mam_messages (account_id, with_bare, seq);
CREATE TABLE mam_prefs (
  account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  default_mode TEXT NOT NULL CHECK (default_mode IN ('always', 'never', 'roster')),
  always_jids TEXT NOT NULL DEFAULT '',
  never_jids TEXT NOT NULL DEFAULT ''
);
CREATE TABLE pep_nodes (
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  node TEXT NOT NULL,
  access_model TEXT NOT NULL,
  persist_items INTEGER NOT NULL CHECK (persist_items IN (0, 1)),
  max_items INTEGER NOT NULL,
  PRIMARY KEY (account_id, node)
);
CREATE TABLE pep_items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  node TEXT NOT NULL,
  item_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  published INTEGER NOT NULL,
  UNIQUE (account_id, node, item_id),
  FOREIGN KEY (account_id, node) REFERENCES pep_nodes (account_id, node) ON DELETE CASCADE
);
CREATE INDEX pep_items_by_node ON pep_items (account_id, node, seq);
)sql",
    // 4 -> 5: persistent MUC rooms (XEP-0045 §10.2; store/sqlite_xmpp_muc.cpp),
    // by service domain and room localpart. A row here is a persistent
    // room; its configuration is columns (the room password in the clear:
    // it is checked at each join; the file is 0600), its subject NULL until
    // set. Affiliation 'none' is no row. History in arrival order (seq:
    // no AUTOINCREMENT, trimming drops the oldest so the newest seq stays),
    // stamps Unix seconds, the stanza as sent with the room's <delay/>.
    R"sql(
CREATE TABLE muc_rooms (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  room TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  public_room INTEGER NOT NULL CHECK (public_room IN (0, 1)),
  members_only INTEGER NOT NULL CHECK (members_only IN (0, 1)),
  moderated INTEGER NOT NULL CHECK (moderated IN (0, 1)),
  password_protected INTEGER NOT NULL CHECK (password_protected IN (0, 1)),
  password TEXT NOT NULL DEFAULT '',
  max_users INTEGER NOT NULL CHECK (max_users >= 0),
  whois TEXT NOT NULL CHECK (whois IN ('moderators', 'anyone')),
  change_subject INTEGER NOT NULL CHECK (change_subject IN (0, 1)),
  allow_invites INTEGER NOT NULL CHECK (allow_invites IN (0, 1)),
  allow_pm TEXT NOT NULL CHECK (allow_pm IN ('anyone', 'participants', 'moderators', 'none')),
  max_history INTEGER NOT NULL CHECK (max_history >= 0),
  subject TEXT,
  subject_nick TEXT,
  subject_stamp INTEGER,
  created INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
  UNIQUE (service, room)
);
CREATE TABLE muc_affiliations (
  room_id INTEGER NOT NULL REFERENCES muc_rooms (id) ON DELETE CASCADE,
  jid TEXT NOT NULL,
  affiliation TEXT NOT NULL CHECK (affiliation IN ('outcast', 'member', 'admin', 'owner')),
  nick TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (room_id, jid)
);
CREATE TABLE muc_history (
  seq INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES muc_rooms (id) ON DELETE CASCADE,
  stamp INTEGER NOT NULL,
  stanza TEXT NOT NULL
);
CREATE INDEX muc_history_by_room ON muc_history (room_id, seq);
)sql",
    // 5 -> 6: mam_messages without AUTOINCREMENT. It updated sqlite_sequence
    // on every insert, two per chat message, for a guarantee the archive
    // does not need: seq only orders rows (clients see uid), and a seq
    // used again after the newest rows went (an account deleted) orders
    // just as well.
    R"sql(
CREATE TABLE mam_messages_v6 (
  seq INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  uid TEXT NOT NULL,
  stamp INTEGER NOT NULL,
  with_bare TEXT NOT NULL,
  with_resource TEXT NOT NULL DEFAULT '',
  outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
  stanza TEXT NOT NULL,
  UNIQUE (account_id, uid)
);
INSERT INTO mam_messages_v6 (seq, account_id, uid, stamp, with_bare, with_resource, outgoing, stanza)
  SELECT seq, account_id, uid, stamp, with_bare, with_resource, outgoing, stanza FROM mam_messages;
DROP TABLE mam_messages;
ALTER TABLE mam_messages_v6 RENAME TO mam_messages;
CREATE INDEX mam_messages_by_account ON mam_messages (account_id, seq);
CREATE INDEX mam_messages_by_with ON mam_messages (account_id, with_bare, seq);
DELETE FROM sqlite_sequence WHERE name = 'mam_messages';
)sql",
    // 6 -> 7: MUC room archives (XEP-0313 §5; store/sqlite_xmpp_muc_archive.cpp).
    // Keyed by service and room rather than muc_rooms.id: save_muc_room
    // replaces a room's row (and so its cascading rows) whenever it is saved
    // whole, and the archive must outlive that; delete_muc_room deletes it
    // explicitly. The sender is the occupant's nick; seq orders (no
    // AUTOINCREMENT, as mam_messages since version 6), uid is the id
    // clients see (the room's <stanza-id/>).
    R"sql(
CREATE TABLE muc_archive (
  seq INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  room TEXT NOT NULL,
  uid TEXT NOT NULL,
  stamp INTEGER NOT NULL,
  nick TEXT NOT NULL,
  stanza TEXT NOT NULL,
  UNIQUE (service, room, uid)
);
CREATE INDEX muc_archive_by_room ON muc_archive (service, room, seq);
)sql",
};

StoreResult<int> user_version(Database& db) {
  Statement s(db, "PRAGMA user_version");
  if (s.step() != SQLITE_ROW) return unexpected(db.error("reading the schema version"));
  return static_cast<int>(s.integer(0));
}

}  // namespace

int latest_schema_version() { return static_cast<int>(migrations.size()); }

StoreResult<Done> migrate(Database& db) {
  for (;;) {
    auto seen = user_version(db);
    if (!seen) return unexpected(seen.error());
    if (*seen == latest_schema_version()) return Done{};
    if (*seen > latest_schema_version())
      return unexpected(StoreError{StoreError::Kind::unavailable,
                                   db.path().string() + " has schema version " + std::to_string(*seen) +
                                       ", newer than this confab understands (" +
                                       std::to_string(latest_schema_version()) + "); upgrade confab"});
    Transaction t(db);
    if (auto r = t.begin("upgrading the schema"); !r) return unexpected(r.error());
    // Another process may have migrated while we waited for the lock.
    auto now = user_version(db);
    if (!now) return unexpected(now.error());
    if (*now != *seen) continue;
    const std::string doing = "upgrading the schema to version " + std::to_string(*now + 1);
    if (auto r = db.exec(migrations[static_cast<std::size_t>(*now)], doing); !r) return unexpected(r.error());
    // PRAGMA takes no bound parameters; the value is our own integer.
    std::string bump = "PRAGMA user_version = " + std::to_string(*now + 1);
    if (auto r = db.exec(bump.c_str(), doing); !r) return unexpected(r.error());
    if (auto r = t.commit(doing); !r) return unexpected(r.error());
  }
}

}  // namespace confab::store::sqlite
