#ifndef CSQLITEWAL_H
#define CSQLITEWAL_H

/// The name of the VFS `csqlitewal_register` adds.
#define CSQLITEWAL_VFS_NAME "dxlocal-wal"

/// Registers (once; later calls return the first call's result) a VFS over SQLite's default one that gathers the
/// writes a transaction makes to a write-ahead log into one write at its sync, and syncs the log with fdatasync.
/// Returns SQLITE_OK (0) when the VFS can be used.
int csqlitewal_register(void);

#endif
