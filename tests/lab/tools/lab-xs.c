// SPDX-License-Identifier: GPL-2.0
/*
 * lab-xs: the lab's command channel between dom0 and the guest, spoken
 * straight to XenStore (its wire protocol, io/xs_wire.h) by one static
 * process, where the shell version ran six to ten xenstore-* processes per
 * command, each costing tens to hundreds of milliseconds under TCG.
 *
 *   lab-xs serve
 *	in the guest: answer dom0's commands.  dom0 writes "<seq> <command>"
 *	to data/cmd; a watch on it wakes the agent, which runs the command
 *	with sh -c (stdin /dev/null, stdout and stderr to /tmp/agent.out) and
 *	answers with the output's tail in data/out/<i> (chunks of whole lines,
 *	each without its last newline), their number in data/nout, then
 *	"<seq> <status>" in data/rc.
 *   lab-xs ask <domid> <seq> <timeout s> <command>
 *	in dom0: one command; prints its output (each chunk and a newline)
 *	and exits with its status, or says that the guest did not answer
 *	(within the timeout, or because it went away) and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* io/xs_wire.h: message types and header */
enum { XS_READ = 2, XS_WATCH = 4, XS_WRITE = 11, XS_WATCH_EVENT = 15, XS_ERROR = 16 };
struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};
#define XS_PAYLOAD_MAX 4096

#define CHUNK_MAX 1800		/* bytes of output per XenStore node */
#define CHUNKS_MAX 32		/* the output's tail beyond that is dropped */
#define OUT_FILE "/tmp/agent.out"

struct xs {
	int fd;
	unsigned int events;	/* watch events seen, not yet consumed */
	size_t len;		/* bytes in buf */
	char buf[2 * (sizeof(struct xs_hdr) + XS_PAYLOAD_MAX)];
};

static void die(const char *what)
{
	fprintf(stderr, "lab-xs: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* dom0's xenstored socket, else the kernel's XenStore device */
static void xs_open(struct xs *x)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	x->len = 0;
	x->events = 0;
	static const char *const sock[] = {
		"/run/xenstored/socket", "/var/run/xenstored/socket",
	};
	size_t i;

	for (i = 0; i < sizeof(sock) / sizeof(sock[0]); i++) {
		x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (x->fd < 0)
			break;
		strcpy(a.sun_path, sock[i]);
		if (!connect(x->fd, (struct sockaddr *)&a, sizeof(a)))
			return;
		close(x->fd);
	}
	x->fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (x->fd < 0)
		die("open /dev/xen/xenbus");
}

static void write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write to XenStore");
		p += w;
		n -= (size_t)w;
	}
}

/* one message: @a (@na bytes) then @b (@nb bytes) as its payload */
static void xs_send(struct xs *x, uint32_t type, const char *a, size_t na,
		    const char *b, size_t nb)
{
	char msg[sizeof(struct xs_hdr) + XS_PAYLOAD_MAX];
	struct xs_hdr h = { .type = type, .len = (uint32_t)(na + nb) };

	if (na + nb > XS_PAYLOAD_MAX) {
		errno = E2BIG;
		die("XenStore message");
	}
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), a, na);
	if (nb)
		memcpy(msg + sizeof(h) + na, b, nb);
	write_all(x->fd, msg, sizeof(h) + na + nb);
}

/*
 * The next message other than a watch event (counted in x->events), its
 * payload copied to @val (NUL-terminated, up to @vlen - 1 bytes): its type,
 * or -1 when @timeout_ms (negative: none) passed first.  With @val NULL,
 * returns at the first watch event too (type XS_WATCH_EVENT).
 */
static int xs_next(struct xs *x, char *val, size_t vlen, long timeout_ms)
{
	long end = now_ms() + timeout_ms;
	struct pollfd p = { .fd = x->fd, .events = POLLIN };
	struct xs_hdr h;
	size_t n;
	ssize_t r;
	int left;

	for (;;) {
		while (x->len >= sizeof(h)) {
			memcpy(&h, x->buf, sizeof(h));
			if (h.len > XS_PAYLOAD_MAX) {
				errno = EPROTO;
				die("XenStore message length");
			}
			if (x->len < sizeof(h) + h.len)
				break;
			if (h.type != XS_WATCH_EVENT && val) {
				n = h.len < vlen - 1 ? h.len : vlen - 1;
				memcpy(val, x->buf + sizeof(h), n);
				val[n] = '\0';
			}
			x->len -= sizeof(h) + h.len;
			memmove(x->buf, x->buf + sizeof(h) + h.len, x->len);
			if (h.type == XS_WATCH_EVENT) {
				x->events++;
				if (!val)
					return XS_WATCH_EVENT;
				continue;
			}
			return (int)h.type;
		}
		if (timeout_ms >= 0) {
			left = (int)(end - now_ms());
			if (left <= 0)
				return -1;
		} else {
			left = -1;
		}
		r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll XenStore");
		if (r == 0)
			continue;
		r = read(x->fd, x->buf + x->len, sizeof(x->buf) - x->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			die("read from XenStore");
		}
		x->len += (size_t)r;
	}
}

/* a request and its answer: 0, or -1 on an XS_ERROR answer */
static int xs_call(struct xs *x, uint32_t type, const char *a, size_t na,
		   const char *b, size_t nb, char *val, size_t vlen)
{
	char scratch[64];
	int t;

	xs_send(x, type, a, na, b, nb);
	t = xs_next(x, val ? val : scratch, val ? vlen : sizeof(scratch), -1);
	return t == XS_ERROR ? -1 : 0;
}

static int xs_read(struct xs *x, const char *path, char *val, size_t vlen)
{
	return xs_call(x, XS_READ, path, strlen(path) + 1, NULL, 0, val, vlen);
}

static void xs_write(struct xs *x, const char *path, const char *v, size_t n)
{
	if (xs_call(x, XS_WRITE, path, strlen(path) + 1, v, n, NULL, 0)) {
		errno = EIO;
		die(path);
	}
}

/* a watch on @path; returns once its first event (the one every new watch
 * fires) is in, so that any later change is seen */
static void xs_watch(struct xs *x, const char *path)
{
	char p[256];
	int n = snprintf(p, sizeof(p), "%s%c%s", path, '\0', "lab");

	if (xs_call(x, XS_WATCH, p, (size_t)n + 1, NULL, 0, NULL, 0)) {
		errno = EIO;
		die("XenStore watch");
	}
	while (!x->events)
		xs_next(x, NULL, 0, -1);
	x->events = 0;
}

/* ---- the guest's agent ---- */

static int run(const char *cmd)
{
	pid_t pid = fork();
	int fd, st;

	if (pid < 0)
		die("fork");
	if (!pid) {
		fd = open(OUT_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* the output's tail, in chunks of whole lines (a longer line cut) */
static void answer(struct xs *x, const char *seq, int status)
{
	static char out[CHUNKS_MAX * CHUNK_MAX];
	size_t start[CHUNKS_MAX + 1], len[CHUNKS_MAX + 1];
	size_t n = 0, i, c = 0, first = 0, line, cur = 0, clen = 0;
	char path[64], v[48], *nl;
	ssize_t r;
	off_t size;
	int fd;

	fd = open(OUT_FILE, O_RDONLY);
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		if (size > (off_t)sizeof(out))
			lseek(fd, size - (off_t)sizeof(out), SEEK_SET);
		else
			lseek(fd, 0, SEEK_SET);
		while (n < sizeof(out) &&
		       (r = read(fd, out + n, sizeof(out) - n)) > 0)
			n += (size_t)r;
		close(fd);
	}
	/* chunks as a ring of the last CHUNKS_MAX; each line with its newline */
	for (i = 0; i < n; i += line) {
		nl = memchr(out + i, '\n', n - i);
		line = nl ? (size_t)(nl - (out + i)) + 1 : n - i;
		if (line > CHUNK_MAX)
			line = CHUNK_MAX;
		if (clen && clen + line > CHUNK_MAX) {
			start[c % (CHUNKS_MAX + 1)] = cur;
			len[c % (CHUNKS_MAX + 1)] = clen;
			c++;
			clen = 0;
		}
		if (!clen)
			cur = i;
		clen += line;
	}
	if (clen) {
		start[c % (CHUNKS_MAX + 1)] = cur;
		len[c % (CHUNKS_MAX + 1)] = clen;
		c++;
	}
	if (c > CHUNKS_MAX)
		first = c - CHUNKS_MAX;
	for (i = first; i < c; i++) {
		size_t s = start[i % (CHUNKS_MAX + 1)], l = len[i % (CHUNKS_MAX + 1)];

		if (l && out[s + l - 1] == '\n')
			l--;
		snprintf(path, sizeof(path), "data/out/%zu", i - first);
		xs_write(x, path, out + s, l);
	}
	snprintf(v, sizeof(v), "%zu", c - first);
	xs_write(x, "data/nout", v, strlen(v));
	snprintf(v, sizeof(v), "%s %d", seq, status);
	xs_write(x, "data/rc", v, strlen(v));
}

static __attribute__((noreturn)) void serve(void)
{
	static char c[XS_PAYLOAD_MAX + 1];
	char last[32] = "", seq[32];
	struct xs x;
	size_t n;

	xs_open(&x);
	xs_watch(&x, "data/cmd");
	xs_write(&x, "data/agent", "ready", 5);
	for (;;) {
		while (!x.events)
			xs_next(&x, NULL, 0, -1);
		x.events = 0;
		if (xs_read(&x, "data/cmd", c, sizeof(c)) || !c[0])
			continue;
		n = strcspn(c, " ");
		if (n >= sizeof(seq) || !c[n])
			continue;
		memcpy(seq, c, n);
		seq[n] = '\0';
		if (!strcmp(seq, last))
			continue;
		strcpy(last, seq);
		answer(&x, seq, run(c + n + 1));
	}
}

/* ---- dom0's question ---- */

static int ask(const char *domid, const char *seq, long timeout_s,
	       const char *cmd)
{
	static char val[XS_PAYLOAD_MAX + 1], msg[XS_PAYLOAD_MAX];
	char base[64], path[96];
	long end = now_ms() + timeout_s * 1000;
	size_t sl = strlen(seq);
	unsigned long i, nout;
	struct xs x;
	int m;

	snprintf(base, sizeof(base), "/local/domain/%s/data", domid);
	xs_open(&x);
	snprintf(path, sizeof(path), "%s/rc", base);
	xs_watch(&x, path);
	m = snprintf(msg, sizeof(msg), "%s %s", seq, cmd);
	if (m < 0 || (size_t)m >= sizeof(msg) - 128) {
		fprintf(stderr, "lab-xs: command too long for XenStore\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cmd", base);
	if (xs_call(&x, XS_WRITE, path, strlen(path) + 1, msg, (size_t)m,
		    NULL, 0))
		goto gone;
	for (;;) {
		while (!x.events)
			if (end - now_ms() <= 0 ||
			    xs_next(&x, NULL, 0, end - now_ms()) < 0)
				goto gone;
		x.events = 0;
		snprintf(path, sizeof(path), "%s/rc", base);
		/* the guest's directory goes with the guest: no rc, no answer */
		if (xs_read(&x, path, val, sizeof(val)))
			goto gone;
		if (!strncmp(val, seq, sl) && val[sl] == ' ')
			break;
	}
	m = atoi(val + sl + 1);
	snprintf(path, sizeof(path), "%s/nout", base);
	nout = xs_read(&x, path, val, sizeof(val)) ? 0 : strtoul(val, NULL, 10);
	for (i = 0; i < nout && i < CHUNKS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/out/%lu", base, i);
		if (xs_read(&x, path, val, sizeof(val)))
			break;
		fputs(val, stdout);
		putchar('\n');
	}
	fflush(stdout);
	return m;
gone:
	printf("g: no answer from the guest to: %s\n", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "serve"))
		serve();
	if (argc == 6 && !strcmp(argv[1], "ask"))
		return ask(argv[2], argv[3], atol(argv[4]), argv[5]);
	fprintf(stderr, "usage: lab-xs serve | lab-xs ask <domid> <seq> <timeout s> <command>\n");
	return 2;
}
