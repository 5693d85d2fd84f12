#ifndef CRM_CLIBPQ_SHIM_H
#define CRM_CLIBPQ_SHIM_H
#include <libpq-fe.h>

// The diagnostic field codes are character-literal macros ('C', 'M', ...), which Swift does not
// import; PQresultErrorField takes them as int.
static const int crm_pq_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int crm_pq_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;
static const int crm_pq_diag_message_detail = PG_DIAG_MESSAGE_DETAIL;
static const int crm_pq_diag_message_hint = PG_DIAG_MESSAGE_HINT;
#endif
