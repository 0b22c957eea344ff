package dev.servicemanager.server.events;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The read deadline of reference section 4: the agent must ping within the timeout, and each ping
 * extends it. Sits in the Netty pipeline in front of Micronaut's websocket handler, which answers
 * pings itself without telling the application; this handler only watches them go by.
 */
final class KeepAlive extends ChannelInboundHandlerAdapter {
  static final String NAME = "sm-keepalive";

  private final Duration timeout;
  private final Runnable onPing;
  private final Runnable onTimeout;
  private ScheduledFuture<?> deadline;

  KeepAlive(Duration timeout, Runnable onPing, Runnable onTimeout) {
    this.timeout = timeout;
    this.onPing = onPing;
    this.onTimeout = onTimeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    extend(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof PingWebSocketFrame) {
      extend(ctx);
      onPing.run();
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void extend(ChannelHandlerContext ctx) {
    cancel();
    deadline = ctx.executor().schedule(onTimeout, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
