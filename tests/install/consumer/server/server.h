// The consumer's own server/server.h: a user project may have server/ and
// client/ folders of its own; framerpc's public headers live under
// framerpc/, so these never shadow them.
#ifndef CONSUMER_SERVER_SERVER_H_
#define CONSUMER_SERVER_SERVER_H_

inline constexpr char kConsumerServerGreeting[] = "installed";

#endif  // CONSUMER_SERVER_SERVER_H_
