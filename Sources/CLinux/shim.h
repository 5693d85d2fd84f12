#ifndef CRM_CLINUX_SHIM_H
#define CRM_CLINUX_SHIM_H
// Linux headers that Swift's Glibc module does not export: the event loop's epoll and eventfd,
// and glibc's mallopt (the server fixes its mmap threshold). Headers only: no C code is
// compiled here.
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
