package dev.nsm.sensor.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The daemon's HTTP listener, on one Netty event-loop thread:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format (version 0.0.4);
 *   <li>{@code GET /healthz}: 200 "ok" while capturing and writing records, else 503 and the reason;
 *   <li>{@code GET /readyz}: 200 "ready" once every interface is open and until shutdown begins.
 * </ul>
 *
 * Each answer is computed on the event loop: a scrape only reads counters (no I/O, no waiting).
 */
public final class HttpEndpoint implements AutoCloseable {
  /** A check: null when all is well, else a one-line reason. */
  @FunctionalInterface
  public interface Check {
    String problem();
  }

  private final EventLoopGroup group;
  private final Channel channel;

  private HttpEndpoint(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Binds and starts serving.
   *
   * @throws java.io.IOException when the address cannot be bound (in use, not local, no permission)
   */
  public static HttpEndpoint start(InetSocketAddress at, Supplier<String> scrape, Check health, Check ready)
      throws java.io.IOException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        r -> {
          Thread t = new Thread(r, "metrics-http");
          t.setDaemon(true);
          return t;
        },
        NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new HttpServerCodec(4096, 8192, 8192))
                .addLast(new HttpObjectAggregator(16 * 1024))
                .addLast(new Handler(scrape, health, ready));
          }
        });
    try {
      Channel ch = b.bind(at).syncUninterruptibly().channel();
      return new HttpEndpoint(group, ch);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
      throw new java.io.IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Supplier<String> scrape;
    private final Check health;
    private final Check ready;

    Handler(Supplier<String> scrape, Check health, Check ready) {
      this.scrape = scrape;
      this.health = health;
      this.ready = ready;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      FullHttpResponse res;
      String path = new QueryStringDecoder(req.uri()).path();
      if (!req.decoderResult().isSuccess()) {
        res = text(HttpResponseStatus.BAD_REQUEST, "bad request\n", "text/plain; charset=utf-8");
      } else if (!HttpMethod.GET.equals(req.method()) && !HttpMethod.HEAD.equals(req.method())) {
        res = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only\n", "text/plain; charset=utf-8");
        res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      } else if (path.equals("/metrics")) {
        res = text(HttpResponseStatus.OK, scrape.get(), "text/plain; version=0.0.4; charset=utf-8");
      } else if (path.equals("/healthz")) {
        res = check(health, "ok\n");
      } else if (path.equals("/readyz")) {
        res = check(ready, "ready\n");
      } else {
        res = text(HttpResponseStatus.NOT_FOUND, "not found; try /metrics, /healthz, /readyz\n", "text/plain; charset=utf-8");
      }
      if (HttpMethod.HEAD.equals(req.method())) {
        res = new DefaultFullHttpResponse(res.protocolVersion(), res.status(), Unpooled.EMPTY_BUFFER, res.headers(), res.trailingHeaders());
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      HttpUtil.setKeepAlive(res, keepAlive);
      var f = ctx.writeAndFlush(res);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private static FullHttpResponse check(Check c, String okBody) {
      String problem;
      try {
        problem = c.problem();
      } catch (RuntimeException e) {
        problem = "check failed: " + e;
      }
      return problem == null
          ? text(HttpResponseStatus.OK, okBody, "text/plain; charset=utf-8")
          : text(HttpResponseStatus.SERVICE_UNAVAILABLE, problem + "\n", "text/plain; charset=utf-8");
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
      ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
      FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
      HttpUtil.setContentLength(res, buf.readableBytes());
      return res;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
