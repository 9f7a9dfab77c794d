/* inet_loop.h: helpers shared by the compat programs on datagram sockets over loopback
 * (inet_udp, inet_udplite): loopback addresses, a socket's port, an address printed without
 * its port. */
#ifndef INET_LOOP_H
#define INET_LOOP_H

#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* loop_addr: 127.0.0.1 or ::1 (by family) with port into ss; its length. */
static inline socklen_t loop_addr(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s = (void *)ss;
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	s->sin6_addr = in6addr_loopback;
	return sizeof(*s);
}

/* port_of: the local port of fd (either family). */
static inline int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (void *)&ss, &len);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* show_addr: "WHAT: inet len N ADDR port matches 0|1" (inet6: and its scope), the address in
 * ss of length len; whether its port is port, which is never printed. */
static inline void show_addr(const char *what, const struct sockaddr_storage *ss, socklen_t len,
			     int port)
{
	char buf[64];
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		printf("%s: inet len %u %s port matches %d\n", what, len, buf,
		       ntohs(s->sin_port) == port);
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
		printf("%s: inet6 len %u %s port matches %d scope %u\n", what, len, buf,
		       ntohs(s->sin6_port) == port, s->sin6_scope_id);
	}
}

#endif
