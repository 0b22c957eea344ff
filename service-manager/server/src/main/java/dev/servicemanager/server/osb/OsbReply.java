package dev.servicemanager.server.osb;

/** What the proxy answers the platform: the broker's status and its (post-processed) JSON body. */
record OsbReply(int status, String json, String retryAfter, String requestIdentity) {}
