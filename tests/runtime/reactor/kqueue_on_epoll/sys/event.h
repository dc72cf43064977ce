// SPDX-License-Identifier: MIT
// sys/event.h - a Linux stand-in for BSD <sys/event.h>, for testing only: just the part of the
// kqueue(2) interface that runtime/src/reactor/kqueue_reactor.cpp uses, with FreeBSD's layout and
// flag values. kqueue_on_epoll.cpp implements it on epoll; see there for what it models.
#pragma once

#include <cstdint>
#include <ctime>

struct kevent {
    std::uintptr_t ident; // a descriptor, or any number for EVFILT_USER
    short filter;         // EVFILT_*
    unsigned short flags; // EV_*
    unsigned int fflags;  // filter-specific: NOTE_TRIGGER
    std::intptr_t data;   // filter-specific: bytes readable; errno in an EV_ERROR receipt
    void* udata;          // returned untouched with every event of the knote
};

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#if !defined(CORIO_TEST_KQUEUE_WITHOUT_USER_EVENTS)
#define EVFILT_USER (-11)
#define NOTE_TRIGGER 0x01000000U
#endif

#define EV_ADD 0x0001U
#define EV_DELETE 0x0002U
#define EV_CLEAR 0x0020U
#define EV_RECEIPT 0x0040U
#define EV_ERROR 0x4000U
#define EV_EOF 0x8000U

int kqueue();
int kevent(int kq, const struct kevent* changes, int change_count, struct kevent* events,
           int event_count, const struct timespec* timeout);
