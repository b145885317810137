/*
 * The libmosquitto (C client) side of `npm run bench`: the same work as the Node columns, in
 * one child process that spec/bench/libmosquitto.ts compiles on first use and runs against the
 * measurement's own fresh mosquitto.
 *
 *   mosq_bench PORT throughput QOS N SIZE INFLIGHT [threaded|single|single-queue]
 *   mosq_bench PORT latency    0   N SIZE WARMUP RATE_HZ
 *
 * Two clients in this process, a publisher and a subscriber: MQTT 3.1.1, clean session,
 * keepalive 60, TCP_NODELAY (as mqttloop's sockets), each with its own network thread
 * (mosquitto_loop_start: the library's threaded loop, what a C program that publishes from its
 * own code uses); the main thread publishes. Throughput: all N published in a tight loop, the
 * publisher's mosquitto_max_inflight_messages_set(INFLIGHT) pacing QoS 1/2 (the library queues
 * the rest), as mqttloop's 'window' driver. Latency: QoS 0 paced at RATE_HZ like support.ts's
 * paced() (every turn sends all that are due, then sleeps at least 1 ms).
 *
 * Throughput "single" (and "single-queue"): the same work, clients and checks, but one thread
 * drives both clients, as a C program tuned for throughput would: poll() on both sockets
 * (mosquitto_socket), mosquitto_loop_read / loop_write / loop_misc, no network threads (so no
 * wake-up of a loop thread per publish). "single" publishes whenever the in-flight window has
 * room (after each turn, while published - acknowledged < INFLIGHT; QoS 0: up to 500 a turn
 * while the socket takes them); "single-queue" publishes all N up front and lets
 * mosquitto_max_inflight_messages_set queue the rest, like the threaded mode's main thread.
 * The clock and CPU accounting are the threaded mode's.
 *
 * Payloads as support.ts: [0..3] sequence number (uint32 BE), [4..11] send time (CLOCK_MONOTONIC
 * ns, uint64 BE). The subscriber checks every sequence number: lost, duplicated and malformed
 * messages are reported, and the Node side aborts the bench on any.
 *
 * Protocol with the Node side: once connected and subscribed it prints "ready" and waits for a
 * line on stdin (so the broker's CPU can be read at the start), then prints one JSON line:
 * the time from the first publish to the last delivery or acknowledgement, and this process's
 * CPU time over it (getrusage, all threads).
 */
#include <errno.h>
#include <mosquitto.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define STALL_S 10

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int connected, subscribed;
static long n_total, size, warmup, received, duplicates, malformed, out_of_order, acked, prev = -1;
static unsigned char *seen;
static double *samples;
static uint64_t last_rx, last_ack;
static int qos;
/* 0: threaded (mosquitto_loop_start); 1: single, publishing as the window has room; 2: single-queue. */
static int single;
static struct mosquitto *clients[2];
static int n_clients;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_us(struct rusage *r, int sys_only) {
  double s = r->ru_stime.tv_sec * 1e6 + r->ru_stime.tv_usec;
  return sys_only ? s : s + r->ru_utime.tv_sec * 1e6 + r->ru_utime.tv_usec;
}

static void die(const char *what, int rc) {
  printf("{\"error\":\"%s: %s\"}\n", what, mosquitto_strerror(rc));
  fflush(stdout);
  exit(1);
}

static void on_connect(struct mosquitto *m, void *u, int rc) {
  (void)m; (void)u;
  pthread_mutex_lock(&mu);
  connected += rc == 0 ? 1 : 100;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void on_subscribe(struct mosquitto *m, void *u, int mid, int count, const int *granted) {
  (void)m; (void)u; (void)mid;
  pthread_mutex_lock(&mu);
  subscribed = count == 1 && granted[0] == qos ? 1 : -1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void on_message(struct mosquitto *m, void *u, const struct mosquitto_message *msg) {
  (void)m; (void)u;
  uint64_t t = now_ns();
  const unsigned char *p = msg->payload;
  pthread_mutex_lock(&mu);
  last_rx = t;
  long seq = msg->payloadlen >= 4 ? (long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) : -1;
  if (seq < 0 || seq >= n_total || msg->payloadlen != size) {
    malformed++;
  } else if (seen[seq]) {
    duplicates++;
  } else {
    seen[seq] = 1;
    if (seq < prev) out_of_order++;
    prev = seq;
    if (samples != NULL && seq >= warmup) {
      uint64_t sent = 0;
      for (int i = 4; i < 12; i++) sent = sent << 8 | p[i];
      samples[seq - warmup] = (double)(t - sent) / 1e6;
    }
    if (++received == n_total) pthread_cond_broadcast(&cv);
  }
  pthread_mutex_unlock(&mu);
}

static void on_publish(struct mosquitto *m, void *u, int mid) {
  (void)m; (void)u; (void)mid;
  uint64_t t = now_ns();
  pthread_mutex_lock(&mu);
  last_ack = t;
  if (++acked == n_total) pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

/*
 * Single-threaded modes: one turn of the loop over both clients. Waits at most timeout_ms in
 * poll() for either socket to be readable (or writable, when the library has output queued),
 * reads what is there, writes what is queued.
 */
static void turn(int timeout_ms) {
  struct pollfd fds[2];
  for (int i = 0; i < n_clients; i++) {
    fds[i].fd = mosquitto_socket(clients[i]);
    fds[i].events = POLLIN | (mosquitto_want_write(clients[i]) ? POLLOUT : 0);
    fds[i].revents = 0;
  }
  if (poll(fds, (nfds_t)n_clients, timeout_ms) < 0 && errno != EINTR) die("poll", MOSQ_ERR_ERRNO);
  for (int i = 0; i < n_clients; i++) {
    int rc;
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && (rc = mosquitto_loop_read(clients[i], 1)) != MOSQ_ERR_SUCCESS) die("loop_read", rc);
    /* Packets queued from within callbacks (acknowledgements, released publishes) go out now. */
    if (mosquitto_want_write(clients[i]) && (rc = mosquitto_loop_write(clients[i], 1)) != MOSQ_ERR_SUCCESS) die("loop_write", rc);
    if ((rc = mosquitto_loop_misc(clients[i])) != MOSQ_ERR_SUCCESS) die("loop_misc", rc);
  }
}

/* Waits (mutex held) until `done` or until nothing new arrived for STALL_S. */
static void wait_until(int (*done)(void)) {
  if (single) {
    /* This thread runs the callbacks: drop the mutex while it drives the loop. */
    pthread_mutex_unlock(&mu);
    long last = -1;
    uint64_t since = now_ns();
    while (!done()) {
      turn(100);
      long progress = received + acked + duplicates + malformed + connected + subscribed;
      if (progress != last) {
        last = progress;
        since = now_ns();
      } else if (now_ns() - since > (uint64_t)STALL_S * 1000000000u) {
        break;
      }
    }
    pthread_mutex_lock(&mu);
    return;
  }
  long last = -1;
  while (!done()) {
    long progress = received + acked + duplicates + malformed;
    if (progress == last) break; /* a whole STALL_S without progress */
    last = progress;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += STALL_S;
    while (!done() && received + acked + duplicates + malformed == last) {
      if (pthread_cond_timedwait(&cv, &mu, &ts) != 0) break;
    }
  }
}
static int all_in(void) { return received == n_total && (qos == 0 || acked == n_total); }
static int is_connected(void) { return connected >= 2; }
static int is_subscribed(void) { return subscribed != 0; }

static struct mosquitto *client(const char *tag, int port) {
  char id[64];
  snprintf(id, sizeof id, "bench-c-%s-%d", tag, (int)getpid());
  struct mosquitto *m = mosquitto_new(id, true, NULL);
  if (m == NULL) die("mosquitto_new", MOSQ_ERR_NOMEM);
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_callback_set(m, on_connect);
  int rc = mosquitto_connect(m, "127.0.0.1", port, 60);
  if (rc != MOSQ_ERR_SUCCESS) die("connect", rc);
  if (single) clients[n_clients++] = m;
  else if ((rc = mosquitto_loop_start(m)) != MOSQ_ERR_SUCCESS) die("loop_start", rc);
  return m;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double pctl(double *sorted, long n, double q) {
  long rank = (long)((q / 100) * n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static void payload(unsigned char *b, long seq) {
  uint64_t t = now_ns();
  b[0] = seq >> 24; b[1] = seq >> 16; b[2] = seq >> 8; b[3] = seq;
  for (int i = 0; i < 8; i++) b[4 + i] = t >> (56 - 8 * i);
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s PORT throughput|latency QOS N SIZE INFLIGHT|WARMUP [RATE_HZ|threaded|single|single-queue]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  int lat = strcmp(argv[2], "latency") == 0;
  qos = atoi(argv[3]);
  long n = atol(argv[4]);
  size = atol(argv[5]);
  long inflight = lat ? 0 : atol(argv[6]);
  warmup = lat ? atol(argv[6]) : 0;
  double rate = lat && argc > 7 ? atof(argv[7]) : 0;
  if (!lat && argc > 7) {
    if (strcmp(argv[7], "single") == 0) single = 1;
    else if (strcmp(argv[7], "single-queue") == 0) single = 2;
    else if (strcmp(argv[7], "threaded") != 0) {
      fprintf(stderr, "%s: mode threaded, single or single-queue, not %s\n", argv[0], argv[7]);
      return 2;
    }
  }
  n_total = n + warmup;
  if (size < 12) size = 12;
  seen = calloc(n_total, 1);
  if (lat) samples = calloc(n, sizeof(double));
  const char *topic = lat ? "bench/latency" : qos == 0 ? "bench/q0" : qos == 1 ? "bench/q1" : "bench/q2";

  mosquitto_lib_init();
  struct mosquitto *sub = client("sub", port);
  struct mosquitto *pub = client("pub", port);
  if (!lat && qos > 0) mosquitto_max_inflight_messages_set(pub, (unsigned)inflight);
  mosquitto_message_callback_set(sub, on_message);
  mosquitto_subscribe_callback_set(sub, on_subscribe);
  mosquitto_publish_callback_set(pub, on_publish);
  pthread_mutex_lock(&mu);
  wait_until(is_connected);
  int ok = connected == 2;
  pthread_mutex_unlock(&mu);
  if (!ok) die("CONNACK", MOSQ_ERR_CONN_REFUSED);
  int rc = mosquitto_subscribe(sub, NULL, topic, qos);
  if (rc != MOSQ_ERR_SUCCESS) die("subscribe", rc);
  pthread_mutex_lock(&mu);
  wait_until(is_subscribed);
  ok = subscribed == 1;
  pthread_mutex_unlock(&mu);
  if (!ok) die("SUBACK", MOSQ_ERR_PROTOCOL);

  printf("ready\n");
  fflush(stdout);
  char line[16];
  if (fgets(line, sizeof line, stdin) == NULL) return 1;

  unsigned char *buf = malloc(size);
  memset(buf, 0, size);
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  uint64_t t0 = now_ns();
  if (single == 1) {
    /* Publish whenever the window has room (QoS 0: while the socket takes them), then one turn. */
    long next = 0, last = -1;
    uint64_t since = t0;
    while (next < n) {
      long room = qos > 0 ? inflight - (next - acked) : (mosquitto_want_write(pub) ? 0 : 500);
      for (; room > 0 && next < n; room--, next++) {
        payload(buf, next);
        if ((rc = mosquitto_publish(pub, NULL, topic, (int)size, buf, qos, false)) != MOSQ_ERR_SUCCESS) die("publish", rc);
      }
      turn(next < n && qos == 0 && !mosquitto_want_write(pub) ? 0 : 100);
      if (next + acked != last) {
        last = next + acked;
        since = now_ns();
      } else if (now_ns() - since > (uint64_t)STALL_S * 1000000000u) {
        break; /* nothing acknowledged for STALL_S: the check below reports what is missing */
      }
    }
  } else if (!lat) {
    for (long i = 0; i < n; i++) {
      payload(buf, i);
      if ((rc = mosquitto_publish(pub, NULL, topic, (int)size, buf, qos, false)) != MOSQ_ERR_SUCCESS) die("publish", rc);
    }
  } else {
    /* support.ts paced(): message i due at t0 + i/rate; send all due, sleep until the next (>= 1 ms). */
    uint64_t interval = (uint64_t)(1e9 / rate + 0.5);
    long i = 0;
    while (i < n_total) {
      uint64_t t = now_ns();
      while (i < n_total && t0 + (uint64_t)i * interval <= t) {
        payload(buf, i++);
        if ((rc = mosquitto_publish(pub, NULL, topic, (int)size, buf, 0, false)) != MOSQ_ERR_SUCCESS) die("publish", rc);
      }
      if (i >= n_total) break;
      int64_t wait_ms = ((int64_t)(t0 + (uint64_t)i * interval) - (int64_t)now_ns()) / 1000000;
      if (wait_ms < 1) wait_ms = 1;
      struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000 };
      nanosleep(&ts, NULL);
    }
  }
  pthread_mutex_lock(&mu);
  wait_until(all_in);
  getrusage(RUSAGE_SELF, &r1);
  uint64_t end = qos > 0 && last_ack > last_rx ? last_ack : last_rx;
  long lost = n_total - received;
  int major, minor, rev;
  mosquitto_lib_version(&major, &minor, &rev);
  printf("{\"version\":\"%d.%d.%d\",\"mode\":\"%s\",\"n\":%ld,\"ms\":%.3f,\"cpuUs\":%.0f,\"sysUs\":%.0f,\"received\":%ld,\"lost\":%ld,\"duplicates\":%ld,"
         "\"malformed\":%ld,\"outOfOrder\":%ld,\"acked\":%ld",
         major, minor, rev, lat ? "latency" : single == 0 ? "threaded" : single == 1 ? "single" : "single-queue",
         n_total, (double)(end - t0) / 1e6, cpu_us(&r1, 0) - cpu_us(&r0, 0), cpu_us(&r1, 1) - cpu_us(&r0, 1),
         received, lost, duplicates, malformed, out_of_order, acked);
  if (lat && received == n_total) {
    double sum = 0;
    for (long i = 0; i < n; i++) sum += samples[i];
    qsort(samples, n, sizeof(double), cmp);
    printf(",\"p50\":%.6f,\"p99\":%.6f,\"p999\":%.6f,\"max\":%.6f,\"mean\":%.6f",
           pctl(samples, n, 50), pctl(samples, n, 99), pctl(samples, n, 99.9), samples[n - 1], sum / n);
  }
  printf("}\n");
  fflush(stdout);
  pthread_mutex_unlock(&mu);
  mosquitto_disconnect(pub);
  mosquitto_disconnect(sub);
  if (!single) {
    mosquitto_loop_stop(pub, false);
    mosquitto_loop_stop(sub, false);
  }
  mosquitto_destroy(pub);
  mosquitto_destroy(sub);
  mosquitto_lib_cleanup();
  return 0;
}
