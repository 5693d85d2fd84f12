#ifndef CRM_CSQLITE_SHIM_H
#define CRM_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static const sqlite3_destructor_type crm_sqlite_transient = (sqlite3_destructor_type)-1;

// Memory statistics make every SQLite allocation take a global mutex; nothing here reads them.
// sqlite3_config is variadic, which Swift cannot call, and works only before SQLite initializes.
static inline int crm_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
#endif
