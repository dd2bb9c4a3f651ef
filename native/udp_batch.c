// Batched UDP I/O for the DNS face (Linux): recvmmsg/sendmmsg on a non-blocking socket watched by a uv_poll_t
// on Node's own event loop. A batch of datagrams costs one recvmmsg, ONE call into JavaScript and one sendmmsg,
// where node:dgram costs a recvmsg, a JS callback, a Buffer and a sendmsg per datagram. All DNS logic stays in
// JavaScript: it reads queries from a shared input buffer and writes replies into a shared output buffer.
//
// JavaScript API (used by src/authority/dns/udp.ts):
//   open(address, port, ipv6, input, lengths, output, counters, onBatch) -> handle
//     input:    Buffer of BATCH slots of IN_STRIDE bytes; datagram i is at i * IN_STRIDE
//     lengths:  Int32Array(2 * BATCH): [0, BATCH) query lengths (written here), [BATCH, 2*BATCH) reply lengths
//               (written by JS; 0 = no reply)
//     output:   Buffer of BATCH slots of OUT_STRIDE bytes; reply i is at i * OUT_STRIDE
//     counters: Float64Array(3): datagrams received, replies dropped on send, datagrams dropped as truncated
//     onBatch(count): called once per batch, must not throw (an exception is cleared, never raised)
//   close(handle): stops polling and closes the socket; no onBatch after it returns
//   constants: { batch, inStride, inSlot, outStride, outSlot }
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 64
// 65,536-byte slots: no UDP datagram is ever truncated, so every query is judged whole, as node:dgram does.
#define IN_SLOT 65536
// Slots are 64 bytes off a power of two, so the first cache line of each lands in a different cache set.
#define IN_STRIDE (IN_SLOT + 64)
#define OUT_SLOT 4096
#define OUT_STRIDE (OUT_SLOT + 64)
// Batches per wakeup: bounds how long one busy socket holds the event loop (timers, TCP, the API).
#define MAX_BATCHES_PER_WAKEUP 16
#define RCVBUF_BYTES (4 * 1024 * 1024)

enum { C_RECEIVED, C_SEND_DROPPED, C_TRUNCATED };

typedef struct {
  uv_poll_t* poll;    // allocated apart: libuv frees it (see stop)
  napi_env env;
  int fd;
  int closing;        // close() called: no more JS calls, no more sends
  int finalized;      // the JS handle object was collected
  int in_callback;    // inside onBatch: close() from there leaves the references to on_readable
  int release_pending;
  napi_ref on_batch, input_ref, output_ref, lengths_ref, counters_ref, resource_ref;
  napi_async_context async_context;
  uint8_t* input;
  uint8_t* output;
  int32_t* lengths;
  double* counters;
  struct sockaddr_storage peers[BATCH];
  struct iovec in_iov[BATCH];
  struct mmsghdr in_msgs[BATCH];
  struct iovec out_iov[BATCH];
  struct mmsghdr out_msgs[BATCH];
} Socket;

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      napi_throw_error((env), NULL, "udp_batch: " #call); \
      return NULL;                                         \
    }                                                      \
  } while (0)

static void release_refs(Socket* s) {
  napi_env env = s->env;
  napi_delete_reference(env, s->on_batch);
  napi_delete_reference(env, s->input_ref);
  napi_delete_reference(env, s->output_ref);
  napi_delete_reference(env, s->lengths_ref);
  napi_delete_reference(env, s->counters_ref);
  napi_delete_reference(env, s->resource_ref);
  napi_async_destroy(env, s->async_context);
}

static void stop(Socket* s) {
  if (s->closing) return;
  s->closing = 1;
  // uv_close stops the poll and removes the fd from epoll at once (only the callback is deferred), so the
  // socket can be closed now, as libuv closes its own: the port is free when close() returns.
  // The deferred callback is libc's free, never a function of this addon: a worker thread's loop finishes
  // closing handles after its addons are unloaded, and a callback here would jump into unmapped code.
  uv_close((uv_handle_t*)s->poll, (uv_close_cb)free);
  s->poll = NULL;
  close(s->fd);
  s->fd = -1;
}

// The Socket itself is freed by whichever comes second: the socket being closed, or its JS handle collected.
static void finalize_handle(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  Socket* s = (Socket*)data;
  if (s->closing) free(s);
  else s->finalized = 1;  // still open (the JS side dropped it without close): it keeps serving
}

// Node is tearing the environment down (process or worker exit) with the socket still open.
static void on_env_cleanup(void* arg) {
  Socket* s = (Socket*)arg;
  stop(s);
  if (s->finalized) free(s);
}

static void send_replies(Socket* s, int count) {
  int pending = 0;
  const int32_t* out_lengths = s->lengths + BATCH;
  for (int i = 0; i < count; i++) {
    int32_t length = out_lengths[i];
    if (length <= 0 || length > OUT_SLOT) continue;  // no reply due (or a JS bug: never read past the slot)
    s->out_iov[pending].iov_base = s->output + (size_t)i * OUT_STRIDE;
    s->out_iov[pending].iov_len = (size_t)length;
    struct msghdr* h = &s->out_msgs[pending].msg_hdr;
    h->msg_name = &s->peers[i];
    h->msg_namelen = s->in_msgs[i].msg_hdr.msg_namelen;
    h->msg_iov = &s->out_iov[pending];
    h->msg_iovlen = 1;
    h->msg_control = NULL;
    h->msg_controllen = 0;
    h->msg_flags = 0;
    pending++;
  }
  for (int sent = 0; sent < pending;) {
    int n = sendmmsg(s->fd, s->out_msgs + sent, (unsigned)(pending - sent), MSG_DONTWAIT);
    if (n > 0) {
      sent += n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      // The socket's send buffer is full: like a router, drop rather than queue; the client retries.
      s->counters[C_SEND_DROPPED] += pending - sent;
      return;
    } else {
      // This one peer cannot be sent to (an unroutable address): skip it, keep the rest.
      s->counters[C_SEND_DROPPED] += 1;
      sent += 1;
    }
  }
}

static int receive_batch(Socket* s) {
  for (int i = 0; i < BATCH; i++) s->in_msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
  for (;;) {
    int n = recvmmsg(s->fd, s->in_msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n >= 0 || errno != EINTR) return n;
  }
}

static void on_readable(uv_poll_t* poll, int status, int events) {
  (void)events;
  Socket* s = (Socket*)poll->data;
  if (status < 0 || s->closing) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value on_batch, resource, argv[1], ignored;
  napi_get_reference_value(env, s->on_batch, &on_batch);
  napi_get_reference_value(env, s->resource_ref, &resource);
  for (int round = 0; round < MAX_BATCHES_PER_WAKEUP && !s->closing; round++) {
    int n = receive_batch(s);
    if (n <= 0) break;  // EAGAIN: drained (errors on an unconnected UDP socket are transient)
    int32_t* out_lengths = s->lengths + BATCH;
    for (int i = 0; i < n; i++) {
      int truncated = (s->in_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      s->lengths[i] = truncated ? -1 : (int32_t)s->in_msgs[i].msg_len;
      if (truncated) s->counters[C_TRUNCATED] += 1;
      out_lengths[i] = 0;
    }
    s->counters[C_RECEIVED] += n;
    napi_create_int32(env, n, &argv[0]);
    // make_callback, not call_function: it runs the microtask and nextTick queues afterwards, as every
    // other callback from the event loop does.
    s->in_callback = 1;
    napi_status called = napi_make_callback(env, s->async_context, resource, on_batch, 1, argv, &ignored);
    s->in_callback = 0;
    if (called != napi_ok) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);  // the JS side catches its own; never kill the process
    }
    if (s->closing) break;  // closed from inside the batch
    send_replies(s, n);
    if (n < BATCH) break;
  }
  if (s->release_pending) {
    s->release_pending = 0;
    release_refs(s);
  }
  napi_close_handle_scope(env, scope);
}

static void* buffer_data(napi_env env, napi_value value, size_t want, napi_ref* ref) {
  void* data = NULL;
  size_t length = 0;
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return NULL;
  napi_typedarray_type type;
  size_t elements;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &elements, &data, &arraybuffer, &offset) != napi_ok) return NULL;
  switch (type) {
    case napi_uint8_array: length = elements; break;
    case napi_int32_array: length = elements * 4; break;
    case napi_float64_array: length = elements * 8; break;
    default: return NULL;
  }
  if (length < want) return NULL;
  if (napi_create_reference(env, value, 1, ref) != napi_ok) return NULL;
  return data;
}

static napi_value throw_errno(napi_env env, const char* what, int error) {
  char code[32];
  const char* name = error == EADDRINUSE ? "EADDRINUSE" : error == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : error == EACCES ? "EACCES" : "EIO";
  snprintf(code, sizeof code, "%s", name);
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, NULL, "open(address, port, ipv6, input, lengths, output, counters, onBatch)");
    return NULL;
  }
  char address[64];
  size_t address_length;
  int32_t port;
  bool ipv6;
  CHECK(env, napi_get_value_string_utf8(env, argv[0], address, sizeof address, &address_length));
  CHECK(env, napi_get_value_int32(env, argv[1], &port));
  CHECK(env, napi_get_value_bool(env, argv[2], &ipv6));

  struct sockaddr_storage bind_address;
  memset(&bind_address, 0, sizeof bind_address);
  socklen_t bind_length;
  if (ipv6) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)&bind_address;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) return throw_errno(env, "udp bind: not an IPv6 address", EINVAL);
    bind_length = sizeof *a;
  } else {
    struct sockaddr_in* a = (struct sockaddr_in*)&bind_address;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &a->sin_addr) != 1) return throw_errno(env, "udp bind: not an IPv4 address", EINVAL);
    bind_length = sizeof *a;
  }

  Socket* s = calloc(1, sizeof *s);
  if (!s) return throw_errno(env, "udp socket", ENOMEM);
  s->env = env;
  s->input = buffer_data(env, argv[3], (size_t)BATCH * IN_STRIDE, &s->input_ref);
  s->lengths = buffer_data(env, argv[4], (size_t)BATCH * 2 * sizeof(int32_t), &s->lengths_ref);
  s->output = buffer_data(env, argv[5], (size_t)BATCH * OUT_STRIDE, &s->output_ref);
  s->counters = buffer_data(env, argv[6], 3 * sizeof(double), &s->counters_ref);
  napi_valuetype callback_type;
  napi_typeof(env, argv[7], &callback_type);
  if (!s->input || !s->lengths || !s->output || !s->counters || callback_type != napi_function) {
    free(s);  // a leaked reference or two on a programming error is acceptable; the socket is not open yet
    napi_throw_type_error(env, NULL, "udp_batch.open: buffers too small or of the wrong type, or no callback");
    return NULL;
  }

  // SOCK_CLOEXEC: a child process (unbound, nsd in tests) must not inherit the DNS port.
  s->fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0) {
    int error = errno;
    free(s);
    return throw_errno(env, "udp socket", error);
  }
  int rcvbuf = RCVBUF_BYTES;  // room for bursts while the loop is busy (the kernel caps it at rmem_max)
  setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(s->fd, (struct sockaddr*)&bind_address, bind_length) != 0) {
    int error = errno;
    close(s->fd);
    free(s);
    return throw_errno(env, "udp bind", error);
  }

  for (int i = 0; i < BATCH; i++) {
    s->in_iov[i].iov_base = s->input + (size_t)i * IN_STRIDE;
    s->in_iov[i].iov_len = IN_SLOT;
    s->in_msgs[i].msg_hdr.msg_name = &s->peers[i];
    s->in_msgs[i].msg_hdr.msg_iov = &s->in_iov[i];
    s->in_msgs[i].msg_hdr.msg_iovlen = 1;
  }
  CHECK(env, napi_create_reference(env, argv[7], 1, &s->on_batch));
  napi_value resource, resource_name, handle;
  CHECK(env, napi_create_object(env, &resource));
  CHECK(env, napi_create_reference(env, resource, 1, &s->resource_ref));
  CHECK(env, napi_create_string_utf8(env, "dnsplane:udp-batch", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(env, napi_async_init(env, resource, resource_name, &s->async_context));

  uv_loop_t* loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  s->poll = malloc(sizeof *s->poll);
  if (!s->poll || uv_poll_init(loop, s->poll, s->fd) != 0) {
    free(s->poll);
    close(s->fd);
    free(s);
    napi_throw_error(env, NULL, "udp_batch: cannot poll the socket");
    return NULL;
  }
  s->poll->data = s;
  if (uv_poll_start(s->poll, UV_READABLE, on_readable) != 0) {
    stop(s);
    release_refs(s);
    free(s);  // no JS handle exists to free it later
    napi_throw_error(env, NULL, "udp_batch: cannot poll the socket");
    return NULL;
  }
  CHECK(env, napi_add_env_cleanup_hook(env, on_env_cleanup, s));
  CHECK(env, napi_create_external(env, s, finalize_handle, NULL, &handle));
  return handle;
}

static Socket* unwrap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "udp_batch: expected a handle from open()");
    return NULL;
  }
  return (Socket*)data;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  Socket* s = unwrap(env, info);
  if (!s) return NULL;
  if (!s->closing) {
    napi_remove_env_cleanup_hook(env, on_env_cleanup, s);
    stop(s);
    if (s->in_callback) s->release_pending = 1;
    else release_refs(s);
  }
  return NULL;
}

static void set_int(napi_env env, napi_value object, const char* name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"open", NULL, Open, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  napi_value constants;
  napi_create_object(env, &constants);
  set_int(env, constants, "batch", BATCH);
  set_int(env, constants, "inSlot", IN_SLOT);
  set_int(env, constants, "inStride", IN_STRIDE);
  set_int(env, constants, "outSlot", OUT_SLOT);
  set_int(env, constants, "outStride", OUT_STRIDE);
  napi_set_named_property(env, exports, "constants", constants);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
