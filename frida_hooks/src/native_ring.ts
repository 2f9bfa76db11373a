/*
 * The native socket hooks' hot path: a CModule whose Interceptor callbacks (connect, send, sendto,
 * sendmsg, write, close) copy an event header plus the bytes that left into a ring buffer in native
 * memory, without entering JavaScript.  JS sends the ring's records on a timer (native_net.ts) and
 * releases them once the harness has stored them (flow.ts), so the ring's capacity, in bytes and in
 * records (max_records), bounds what is recorded but not yet stored.  Only AF_INET / AF_INET6
 * sockets are recorded; the per-fd socket kind and peer address are cached and dropped on
 * close()/connect().  When the ring is full the producer waits for room (never drops); after
 * FULL_WAIT_US it hands the event to a JS callback on its own thread (the slow path, counted),
 * which waits for room without holding the JS lock and puts it in the ring (ring_try_put).
 * ring_quiesce() ends recording: producers return at once, waiting ones included.
 *
 * Record layout (little endian, 8-byte aligned):
 *   0 u32 size | 4 u16 kind | 6 u16 family | 8 i32 fd | 12 u16 port | 14 u16 flags | 16 u8[16] addr
 *   32 i64 ts_us | 40 u32 data_len | 44 u32 data_size | 48 data[data_size]
 * kind 0 = padding to the end of the ring (skip), 1 send, 2 sendto, 3 sendmsg, 4 write, 5 connect.
 */
export const HDR = 48;
export const KIND_NAMES = ["pad", "send", "sendto", "sendmsg", "write", "connect"];

export const RING_C = `
#include <gum/guminterceptor.h>
#include <glib.h>
#include <string.h>

extern int getsockname (int fd, void * addr, unsigned int * len);
extern int getpeername (int fd, void * addr, unsigned int * len);
extern void * libc_memcpy (void * dst, const void * src, gsize n);  /* TinyCC's memcpy is a byte loop */

#define HDR 48
#define MAX_FD 65536
#define FULL_WAIT_US 2000000
#define K_SEND 1
#define K_SENDTO 2
#define K_SENDMSG 3
#define K_WRITE 4
#define K_CONNECT 5

typedef struct { guint16 family; guint16 port; guint8 addr[16]; } Peer;
typedef struct { int fd; int skip; const guint8 * buf; gsize len; const void * addr; gsize addrlen; const void * msg; } Call;
typedef struct { void * base; gsize len; } IoVec;
/* struct msghdr (same layout in glibc and bionic, 32 and 64 bit) */
typedef struct { void * name; guint32 namelen; IoVec * iov; gsize iovlen; void * control; gsize controllen; int flags; } MsgHdr;

/* All mutable state lives in memory the agent allocates (CModule globals are read-only). */
typedef struct {
  guint8 * ring;
  guint64 cap;
  guint64 wpos;
  guint64 rpos;
  guint32 max_data;
  GMutex mu;
  void (* slow_path) (const guint8 * rec, guint32 size);
  guint64 events;
  guint64 waits;
  guint64 slow;
  guint64 records;             /* records in the ring (not yet released) */
  guint64 max_records;
  volatile gint off;           /* quiesced: record nothing more */
  guint8 fd_kind[MAX_FD];      /* 0 unknown, 1 inet socket, 2 anything else */
  guint8 fd_peer_ok[MAX_FD];
  Peer fd_peer[MAX_FD];
} State;

extern State st;

guint64 state_size (void) { return sizeof (State); }

void ring_setup (guint8 * buf, guint64 capacity, guint32 maxd, void * slow, guint64 max_records) {
  st.ring = buf; st.cap = capacity; st.max_data = maxd; st.slow_path = slow; st.wpos = 0; st.rpos = 0;
  st.records = 0; st.max_records = max_records; st.off = 0;
}

void ring_quiesce (void) { st.off = 1; }

/* Touch every page of the ring so page faults do not land on the producers' hot path. */
void ring_prefault (void) {
  guint64 i;
  for (i = 0; i < st.cap; i += 4096) st.ring[i] = 0;
}

guint64 ring_committed (void) { guint64 v; g_mutex_lock (&st.mu); v = st.wpos; g_mutex_unlock (&st.mu); return v; }
void ring_release (guint64 upto, guint64 n) {
  g_mutex_lock (&st.mu); st.rpos = upto; st.records = st.records > n ? st.records - n : 0; g_mutex_unlock (&st.mu);
}
void ring_stats (guint64 * out) {
  g_mutex_lock (&st.mu);
  out[0] = st.events; out[1] = st.waits; out[2] = st.slow; out[3] = st.wpos; out[4] = st.rpos; out[5] = st.records;
  g_mutex_unlock (&st.mu);
}

/* Reserve room for a record of "size" bytes at the write position (the caller holds st.mu);
   returns its offset in the ring, or -1 when the ring has no room. */
static gint64 reserve (guint32 size) {
  guint64 off = st.wpos % st.cap, room = st.cap - off;
  guint64 need = size + (room < size ? room : 0);
  if (st.cap - (st.wpos - st.rpos) < need || st.records >= st.max_records) return -1;
  if (room < size) { *(guint32 *) (st.ring + off) = (guint32) room; *(guint16 *) (st.ring + off + 4) = 0; st.wpos += room; off = 0; }
  return (gint64) off;
}

/* The slow path's second try: put a whole prepared record in the ring if it has room now. */
int ring_try_put (const guint8 * rec, guint32 size) {
  gint64 off;
  g_mutex_lock (&st.mu);
  off = reserve (size);
  if (off < 0) { g_mutex_unlock (&st.mu); return 0; }
  libc_memcpy (st.ring + off, rec, size);
  st.wpos += size; st.records++;
  g_mutex_unlock (&st.mu);
  return 1;
}

static int parse_addr (const guint8 * sa, gsize len, Peer * p) {
  guint16 fam;
  if (sa == NULL || len < 4) return 0;
  fam = *(const guint16 *) sa;
  if (fam == 2 && len >= 8) {
    p->family = 2; p->port = (guint16) ((sa[2] << 8) | sa[3]);
    memset (p->addr, 0, 16); memcpy (p->addr, sa + 4, 4); return 1;
  }
  if (fam == 10 && len >= 24) {
    p->family = 10; p->port = (guint16) ((sa[2] << 8) | sa[3]);
    memcpy (p->addr, sa + 8, 16); return 1;
  }
  return 0;
}

static int is_inet (int fd) {
  guint8 ss[128]; unsigned int len = sizeof (ss); guint16 fam; int k;
  if (fd < 0) return 0;
  if (fd < MAX_FD && st.fd_kind[fd] != 0) return st.fd_kind[fd] == 1;
  k = 2;
  if (getsockname (fd, ss, &len) == 0 && len >= 2) {
    fam = *(guint16 *) ss;
    if (fam == 2 || fam == 10) k = 1;
  }
  if (fd < MAX_FD) st.fd_kind[fd] = (guint8) k;
  return k == 1;
}

static int peer_of (int fd, Peer * p) {
  guint8 ss[128]; unsigned int len = sizeof (ss);
  if (fd >= 0 && fd < MAX_FD && st.fd_peer_ok[fd]) { *p = st.fd_peer[fd]; return 1; }
  if (getpeername (fd, ss, &len) != 0 || !parse_addr (ss, len, p)) { memset (p, 0, sizeof (Peer)); return 0; }
  if (fd >= 0 && fd < MAX_FD) { st.fd_peer[fd] = *p; st.fd_peer_ok[fd] = 1; }
  return 1;
}

static void put_header (guint8 * r, guint32 size, guint16 kind, int fd, const Peer * p, guint32 len, guint32 kept) {
  *(guint32 *) (r + 0) = size; *(guint16 *) (r + 4) = kind; *(guint16 *) (r + 6) = p->family;
  *(gint32 *) (r + 8) = fd; *(guint16 *) (r + 12) = p->port; *(guint16 *) (r + 14) = 0;
  memcpy (r + 16, p->addr, 16); *(gint64 *) (r + 32) = g_get_real_time ();
  *(guint32 *) (r + 40) = len; *(guint32 *) (r + 44) = kept;
}

/* Copy up to kept bytes of the call's payload (plain buffer or iovec list) to dst. */
static void copy_payload (guint8 * dst, const Call * c, guint32 kept) {
  const IoVec * iov; gsize n, i, take; guint32 done = 0;
  if (c->msg == NULL) { libc_memcpy (dst, c->buf, kept); return; }
  iov = ((const MsgHdr *) c->msg)->iov;
  n = ((const MsgHdr *) c->msg)->iovlen;
  for (i = 0; i < n && done < kept; i++) {
    take = iov[i].len; if (take > kept - done) take = kept - done;
    libc_memcpy (dst + done, iov[i].base, take); done += (guint32) take;
  }
}

static void record (guint16 kind, int fd, const Peer * p, const Call * c, guint32 len) {
  guint32 kept = len < st.max_data ? len : st.max_data;
  guint32 size = (HDR + kept + 7) & ~7u;
  gint64 deadline = 0;
  guint8 * tmp;
  if (st.off) return;
  for (;;) {
    gint64 off;
    g_mutex_lock (&st.mu);
    off = reserve (size);
    if (off >= 0) {
      put_header (st.ring + off, size, kind, fd, p, len, kept);
      if (kept > 0) copy_payload (st.ring + off + HDR, c, kept);
      st.wpos += size; st.events++; st.records++;
      g_mutex_unlock (&st.mu);
      return;
    }
    g_mutex_unlock (&st.mu);
    if (st.off) return;
    if (deadline == 0) { deadline = g_get_monotonic_time () + FULL_WAIT_US; st.waits++; }
    if (g_get_monotonic_time () > deadline || size > st.cap / 2) break;
    g_usleep (200);
  }
  /* slow path: the event goes to JS on this thread; nothing is dropped */
  tmp = g_malloc (size);
  put_header (tmp, size, kind, fd, p, len, kept);
  if (kept > 0) copy_payload (tmp + HDR, c, kept);
  g_mutex_lock (&st.mu); st.slow++; st.events++; g_mutex_unlock (&st.mu);
  st.slow_path (tmp, size);
  g_free (tmp);
}

static void enter_common (GumInvocationContext * ic, gsize kind) {
  Call * c = GUM_IC_GET_INVOCATION_DATA (ic, Call);
  c->fd = (int) (gssize) gum_invocation_context_get_nth_argument (ic, 0);
  c->skip = !is_inet (c->fd);
  if (c->skip) return;
  c->msg = NULL; c->addr = NULL; c->addrlen = 0;
  if (kind == K_SENDMSG) {
    c->msg = gum_invocation_context_get_nth_argument (ic, 1);
    if (c->msg != NULL) { c->addr = ((const MsgHdr *) c->msg)->name; c->addrlen = ((const MsgHdr *) c->msg)->namelen; }
  } else {
    c->buf = gum_invocation_context_get_nth_argument (ic, 1);
    c->len = (gsize) gum_invocation_context_get_nth_argument (ic, 2);
    if (kind == K_SENDTO) {
      c->addr = gum_invocation_context_get_nth_argument (ic, 4);
      c->addrlen = (gsize) gum_invocation_context_get_nth_argument (ic, 5);
    }
  }
}

void on_enter (GumInvocationContext * ic) {
  gsize kind = (gsize) gum_invocation_context_get_listener_function_data (ic);
  enter_common (ic, kind);
}

/* Enter-only variant (options.sendHook = "enter"): records the requested length, no onLeave cost. */
void on_enter_only (GumInvocationContext * ic) {
  gsize kind = (gsize) gum_invocation_context_get_listener_function_data (ic);
  Call c; Peer p;
  c.fd = (int) (gssize) gum_invocation_context_get_nth_argument (ic, 0);
  if (!is_inet (c.fd)) return;
  c.msg = NULL; c.addr = NULL; c.addrlen = 0;
  if (kind == K_SENDMSG) {
    const guint8 * m = gum_invocation_context_get_nth_argument (ic, 1);
    const IoVec * iov; gsize n, i, total = 0;
    if (m == NULL) return;
    c.msg = m; c.addr = ((const MsgHdr *) m)->name; c.addrlen = ((const MsgHdr *) m)->namelen;
    iov = ((const MsgHdr *) m)->iov; n = ((const MsgHdr *) m)->iovlen;
    for (i = 0; i < n; i++) total += iov[i].len;
    c.len = total;
  } else {
    c.buf = gum_invocation_context_get_nth_argument (ic, 1);
    c.len = (gsize) gum_invocation_context_get_nth_argument (ic, 2);
    if (kind == K_SENDTO) {
      c.addr = gum_invocation_context_get_nth_argument (ic, 4);
      c.addrlen = (gsize) gum_invocation_context_get_nth_argument (ic, 5);
    }
  }
  if (c.len == 0) return;
  if (c.addr == NULL || !parse_addr (c.addr, c.addrlen, &p)) peer_of (c.fd, &p);
  record ((guint16) kind, c.fd, &p, &c, (guint32) c.len);
}

void on_leave (GumInvocationContext * ic) {
  gsize kind = (gsize) gum_invocation_context_get_listener_function_data (ic);
  Call * c = GUM_IC_GET_INVOCATION_DATA (ic, Call);
  gssize ret; Peer p;
  if (c->skip) return;
  ret = (gssize) gum_invocation_context_get_return_value (ic);
  if (ret <= 0) return;
  if (c->addr == NULL || !parse_addr (c->addr, c->addrlen, &p)) peer_of (c->fd, &p);
  record ((guint16) kind, c->fd, &p, c, (guint32) ret);
}

void on_connect_enter (GumInvocationContext * ic) {
  Call * c = GUM_IC_GET_INVOCATION_DATA (ic, Call);
  c->fd = (int) (gssize) gum_invocation_context_get_nth_argument (ic, 0);
  c->addr = gum_invocation_context_get_nth_argument (ic, 1);
  c->addrlen = (gsize) gum_invocation_context_get_nth_argument (ic, 2);
  c->skip = 0;
  if (c->fd >= 0 && c->fd < MAX_FD) { st.fd_kind[c->fd] = 0; st.fd_peer_ok[c->fd] = 0; }
}

void on_connect_leave (GumInvocationContext * ic) {
  Call * c = GUM_IC_GET_INVOCATION_DATA (ic, Call);
  gssize ret = (gssize) gum_invocation_context_get_return_value (ic);
  Peer p;
  if (!parse_addr (c->addr, c->addrlen, &p)) return;
  if (ret != 0 && ic->system_error != 115 /* EINPROGRESS */) return;
  if (c->fd >= 0 && c->fd < MAX_FD) { st.fd_kind[c->fd] = 1; st.fd_peer[c->fd] = p; st.fd_peer_ok[c->fd] = 1; }
  c->msg = NULL; c->buf = NULL;
  record (K_CONNECT, c->fd, &p, c, 0);
}

/* dup2/dup3(old, new): the new fd now names another file */
void on_dup_enter (GumInvocationContext * ic) {
  int fd = (int) (gssize) gum_invocation_context_get_nth_argument (ic, 1);
  if (fd >= 0 && fd < MAX_FD) { st.fd_kind[fd] = 0; st.fd_peer_ok[fd] = 0; }
}

void on_close_enter (GumInvocationContext * ic) {
  int fd = (int) (gssize) gum_invocation_context_get_nth_argument (ic, 0);
  if (fd >= 0 && fd < MAX_FD) { st.fd_kind[fd] = 0; st.fd_peer_ok[fd] = 0; }
}
`;
