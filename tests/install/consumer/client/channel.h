// The consumer's own client/channel.h (see server/server.h beside it).
#ifndef CONSUMER_CLIENT_CHANNEL_H_
#define CONSUMER_CLIENT_CHANNEL_H_

inline constexpr char kConsumerChannelTarget[] = "127.0.0.1:";

#endif  // CONSUMER_CLIENT_CHANNEL_H_
