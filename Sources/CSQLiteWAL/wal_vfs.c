// A VFS over SQLite's default (unix) VFS that changes two things, both for write-ahead log files only:
//
// - SQLite writes a log frame as two calls (its 24-byte header, then the page), so a commit of n pages is 2n
//   pwrite calls. Here contiguous writes are gathered in memory and reach the file as one write when the log is
//   synced (or before anything reads, truncates, sizes or closes it, or when the gathered bytes would pass a bound).
//   The store runs its file databases with synchronous=FULL, where every WAL commit syncs the log before it is
//   published in the WAL index, so no other connection can see a frame that is still in memory. Gathering
//   therefore must not be used with synchronous=NORMAL or OFF.
// - The sync of a log is fdatasync, as SQLite does where it is built with HAVE_FDATASYNC (the build linked here
//   uses fsync, which also writes the inode's timestamps on every commit). The first sync of an opened log still
//   goes through SQLite's own (it also syncs the directory of a newly created log).
// - Reads of a log go through a descriptor of our own opened with O_NOATIME where the process may (it owns the
//   file, and the file system takes the flag). The log's modification time moves on every tick, so with relatime
//   each read after a commit dirtied the inode with a new access time, and ext4 without a journal writes a dirty
//   inode's block, synchronously, in the next commit's fdatasync: at c=16, 45 % of those inode writes went with it
//   (1,294 to 708 in 3 s, writeback tracepoints).
//
// Every other file (the database, its shared-memory index, journals) is the default VFS's own object, untouched.

#define _GNU_SOURCE // O_NOATIME

#include "CSQLiteWAL.h"
#include "sqlite_nio_sqlite3.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Gathered bytes at most; a commit larger than this is written in several pieces.
#define GATHER_LIMIT (4 * 1024 * 1024)

typedef struct {
    sqlite3_file base;  // pMethods: walMethods
    sqlite3_file *real; // the default VFS's file, right after this struct
    int descriptor;     // our own descriptor of the log, for reads and fdatasync; -1 when none
    int synced;         // whether SQLite's own sync ran once
    unsigned char *buffer;
    sqlite3_int64 start; // the file offset of buffer[0]
    size_t length;
    size_t capacity;
} WalFile;

static sqlite3_vfs *baseVfs;
static sqlite3_vfs walVfs;
static int registration = SQLITE_ERROR;
static pthread_once_t registrationOnce = PTHREAD_ONCE_INIT;

// The default VFS writes at most 128 KiB - 1 bytes a call (it masks larger sizes), so gathered bytes go out in
// pieces of 64 KiB.
#define WRITE_PIECE (64 * 1024)

// Writes the gathered bytes. When a write fails, the bytes not yet written are dropped, on purpose, and the error
// goes to SQLite, which fails the transaction they belong to (every flush happens inside one: at its sync, or
// before a read, size, truncate or a write elsewhere in the log). Keeping them for a later flush would be wrong: at
// a sync the gathered bytes end with the transaction's commit frame, whose checksum chains from the frames before
// it, some already written, so writing it later could complete on disk a transaction that SQLite reported as
// failed. Dropped, the log holds what the default VFS would hold after the same failed write: frames without their
// commit frame, which recovery ignores and the next transaction overwrites.
static int walFlush(WalFile *file) {
    size_t written = 0;
    int rc = SQLITE_OK;
    while (written < file->length && rc == SQLITE_OK) {
        size_t piece = file->length - written < WRITE_PIECE ? file->length - written : WRITE_PIECE;
        rc = file->real->pMethods->xWrite(
            file->real, file->buffer + written, (int)piece, file->start + (sqlite3_int64)written);
        written += piece;
    }
    file->length = 0;
    return rc;
}

static int walClose(sqlite3_file *f) {
    WalFile *file = (WalFile *)f;
    int flushed = walFlush(file);
    int closed = file->real->pMethods->xClose(file->real);
    free(file->buffer);
    file->buffer = NULL;
    file->capacity = 0;
    if (file->descriptor >= 0) close(file->descriptor);
    file->descriptor = -1;
    return flushed != SQLITE_OK ? flushed : closed;
}

static int walRead(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset) {
    WalFile *file = (WalFile *)f;
    if (file->length > 0 && offset < file->start + (sqlite3_int64)file->length && offset + amount > file->start) {
        int rc = walFlush(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (file->descriptor < 0 || amount <= 0) return file->real->pMethods->xRead(file->real, data, amount, offset);
    // As the default VFS reads: retried when interrupted, continued after a partial read, and past the end of the
    // file the rest zeroed and reported as a short read, which SQLite expects of a log shorter than asked.
    unsigned char *into = data;
    size_t left = (size_t)amount;
    while (left > 0) {
        ssize_t got = pread(file->descriptor, into, left, (off_t)offset);
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno == EIO || errno == ENXIO || errno == ERANGE ? SQLITE_IOERR_CORRUPTFS : SQLITE_IOERR_READ;
        }
        if (got == 0) {
            memset(into, 0, left);
            return SQLITE_IOERR_SHORT_READ;
        }
        into += got;
        offset += got;
        left -= (size_t)got;
    }
    return SQLITE_OK;
}

static int walWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    WalFile *file = (WalFile *)f;
    if (amount <= 0) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    if (file->length > 0) {
        sqlite3_int64 end = file->start + (sqlite3_int64)file->length;
        if (offset >= file->start && offset + amount <= end) {
            // A frame of this transaction written again: change it where it is gathered.
            memcpy(file->buffer + (offset - file->start), data, (size_t)amount);
            return SQLITE_OK;
        }
        if (offset != end || file->length + (size_t)amount > GATHER_LIMIT) {
            int rc = walFlush(file);
            if (rc != SQLITE_OK) return rc;
        }
    }
    if ((size_t)amount > WRITE_PIECE) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    if (file->length + (size_t)amount > file->capacity) {
        size_t capacity = file->capacity == 0 ? 256 * 1024 : file->capacity;
        while (capacity < file->length + (size_t)amount) capacity *= 2;
        unsigned char *grown = realloc(file->buffer, capacity);
        if (grown == NULL) {
            int rc = walFlush(file);
            if (rc != SQLITE_OK) return rc;
            return file->real->pMethods->xWrite(file->real, data, amount, offset);
        }
        file->buffer = grown;
        file->capacity = capacity;
    }
    if (file->length == 0) file->start = offset;
    memcpy(file->buffer + file->length, data, (size_t)amount);
    file->length += (size_t)amount;
    return SQLITE_OK;
}

static int walTruncate(sqlite3_file *f, sqlite3_int64 size) {
    WalFile *file = (WalFile *)f;
    int rc = walFlush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int walSync(sqlite3_file *f, int flags) {
    WalFile *file = (WalFile *)f;
    int rc = walFlush(file);
    if (rc != SQLITE_OK) return rc;
    if (!file->synced || file->descriptor < 0) {
        rc = file->real->pMethods->xSync(file->real, flags);
        if (rc == SQLITE_OK) file->synced = 1;
        return rc;
    }
    return fdatasync(file->descriptor) == 0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

static int walFileSize(sqlite3_file *f, sqlite3_int64 *size) {
    WalFile *file = (WalFile *)f;
    int rc = walFlush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int walLock(sqlite3_file *f, int lock) {
    WalFile *file = (WalFile *)f;
    return file->real->pMethods->xLock(file->real, lock);
}

static int walUnlock(sqlite3_file *f, int lock) {
    WalFile *file = (WalFile *)f;
    return file->real->pMethods->xUnlock(file->real, lock);
}

static int walCheckReservedLock(sqlite3_file *f, int *out) {
    WalFile *file = (WalFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}

static int walFileControl(sqlite3_file *f, int op, void *argument) {
    WalFile *file = (WalFile *)f;
    int rc = walFlush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int walSectorSize(sqlite3_file *f) {
    WalFile *file = (WalFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int walDeviceCharacteristics(sqlite3_file *f) {
    WalFile *file = (WalFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

// Version 1: a log file is never memory-mapped and has no shared-memory index of its own.
static const sqlite3_io_methods walMethods = {
    1,
    walClose,
    walRead,
    walWrite,
    walTruncate,
    walSync,
    walFileSize,
    walLock,
    walUnlock,
    walCheckReservedLock,
    walFileControl,
    walSectorSize,
    walDeviceCharacteristics,
};

static int walOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags) {
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL) || name == NULL) return baseVfs->xOpen(baseVfs, name, f, flags, outFlags);
    WalFile *file = (WalFile *)f;
    memset(file, 0, sizeof(WalFile));
    file->descriptor = -1;
    file->real = (sqlite3_file *)(file + 1);
    int rc = baseVfs->xOpen(baseVfs, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        // SQLite closes nothing whose open failed: no methods, nothing held.
        file->base.pMethods = NULL;
        return rc;
    }
    // O_NOATIME needs the file's owner (or CAP_FOWNER), and a file system may refuse it: then without it.
    file->descriptor = open(name, O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (file->descriptor < 0) file->descriptor = open(name, O_RDONLY | O_CLOEXEC);
    file->base.pMethods = &walMethods;
    return SQLITE_OK;
}

static void registerOnce(void) {
    baseVfs = sqlite_nio_sqlite3_vfs_find(NULL);
    if (baseVfs == NULL) return;
    walVfs = *baseVfs;
    walVfs.pNext = NULL;
    walVfs.zName = CSQLITEWAL_VFS_NAME;
    int size = (int)sizeof(WalFile) + baseVfs->szOsFile;
    walVfs.szOsFile = size > baseVfs->szOsFile ? size : baseVfs->szOsFile;
    walVfs.xOpen = walOpen;
    registration = sqlite_nio_sqlite3_vfs_register(&walVfs, 0);
}

int csqlitewal_register(void) {
    pthread_once(&registrationOnce, registerOnce);
    return registration;
}
