/*
 * veth-blast: sends the packets of a classic pcap file out of an interface as fast as the kernel
 * takes them, to tell tcpreplay's own cost per packet from the kernel's (bench/live-capture-bench.sh,
 * part 1). The file is read into memory first; then LOOPS passes over it with sendmmsg(2) in
 * batches of 256 on an AF_PACKET socket with PACKET_QDISC_BYPASS (no qdisc, like pktgen).
 * tcpreplay sends one packet per send(2) through the qdisc.
 *
 *   cc -O2 -o veth-blast bench/veth-blast.c
 *   veth-blast IFNAME FILE.pcap LOOPS    -> "Actual: N packets sent in S seconds, R pps, C cpu s"
 *
 * Only for the benchmark's own network namespaces: it sends whatever the file holds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 256

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: veth-blast IFNAME FILE.pcap LOOPS\n");
    return 2;
  }
  long loops = atol(argv[3]);
  FILE *f = fopen(argv[2], "rb");
  if (!f) {
    perror(argv[2]);
    return 2;
  }
  /* the whole file in memory; records indexed */
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(size);
  if (!buf || fread(buf, 1, size, f) != (size_t)size) {
    fprintf(stderr, "veth-blast: cannot read %s\n", argv[2]);
    return 2;
  }
  fclose(f);
  uint32_t magic;
  memcpy(&magic, buf, 4);
  if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
    fprintf(stderr, "veth-blast: %s is not a little-endian classic pcap\n", argv[2]);
    return 2;
  }
  long n = 0, cap = 1 << 20;
  struct iovec *pkts = malloc(cap * sizeof *pkts);
  for (long off = 24; off + 16 <= size;) {
    uint32_t incl;
    memcpy(&incl, buf + off + 8, 4);
    if (off + 16 + incl > (unsigned long)size) {
      break;
    }
    if (n == cap) {
      cap *= 2;
      pkts = realloc(pkts, cap * sizeof *pkts);
    }
    pkts[n].iov_base = buf + off + 16;
    pkts[n].iov_len = incl;
    n++;
    off += 16 + incl;
  }

  int s = socket(AF_PACKET, SOCK_RAW, 0);
  if (s < 0) {
    perror("socket(AF_PACKET)");
    return 2;
  }
  struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(argv[1])};
  if (!a.sll_ifindex || bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
    perror(argv[1]);
    return 2;
  }
  int one = 1;
  setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);

  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  long sent = 0, failed = 0;
  double t0 = now();
  for (long l = 0; l < loops; l++) {
    for (long i = 0; i < n; i += BATCH) {
      int k = n - i < BATCH ? (int)(n - i) : BATCH;
      for (int j = 0; j < k; j++) {
        msgs[j].msg_hdr.msg_iov = &pkts[i + j];
        msgs[j].msg_hdr.msg_iovlen = 1;
      }
      int done = 0;
      while (done < k) {
        int r = sendmmsg(s, msgs + done, k - done, 0);
        if (r <= 0) {
          failed++; /* ENOBUFS and the like: skip the rest of this batch */
          break;
        }
        done += r;
      }
      sent += done;
    }
  }
  double secs = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("Actual: %ld packets sent in %.2f seconds, %.0f pps, %.2f cpu s, %ld failed batches\n", sent, secs,
         secs > 0 ? sent / secs : 0, cpu, failed);
  return 0;
}
