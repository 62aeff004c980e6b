// Small socket helpers: listening sockets, non-blocking mode, peer and local addresses.
// Thread-safe (no shared state).
#pragma once

#include <string>

namespace cachet {

// Creates a non-blocking listening TCP socket bound to host:port (IPv4 or IPv6 literal, or
// "localhost"). Returns the fd, or -1 with *error set.
int ListenTcp(const std::string& host, int port, int backlog, std::string* error);
bool SetNonBlocking(int fd);
void SetNoDelay(int fd);
// "ip:port" of the peer / of the local side, as CLIENT LIST prints them.
std::string PeerAddress(int fd);
std::string LocalAddress(int fd);
// The port a socket is bound to (useful with port 0).
int BoundPort(int fd);

}  // namespace cachet
