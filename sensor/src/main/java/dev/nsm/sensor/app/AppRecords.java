package dev.nsm.sensor.app;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.nsm.parsers.http.HttpTransaction;
import dev.nsm.parsers.tls.ClientHello;
import dev.nsm.parsers.tls.ServerHello;
import dev.nsm.parsers.tls.TlsCertificate;
import dev.nsm.parsers.tls.TlsNames;
import dev.nsm.parsers.tls.TlsSession;
import dev.nsm.proto.v1.Certificate;
import dev.nsm.proto.v1.Event;
import dev.nsm.proto.v1.Http;
import dev.nsm.proto.v1.Notice;
import dev.nsm.proto.v1.Tls;
import dev.nsm.sensor.flow.Flow;
import java.time.Instant;

/**
 * Builds the application records (tls, http, notice; dns in {@link DnsState}) from what the parsers
 * found, with the flow's uid and endpoints as the flow decided them at the time of writing.
 * Allocates per record, as the hot-path rules allow.
 */
final class AppRecords {
  private AppRecords() {}

  static Timestamp ts(long nanos) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(nanos, 1_000_000_000L))
        .setNanos((int) Math.floorMod(nanos, 1_000_000_000L))
        .build();
  }

  static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  static Duration duration(long nanos) {
    return Duration.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L)).build();
  }

  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  // ------------------------------------------------------------------ tls

  static Event tls(Flow f, TlsSession s, long tsNanos) {
    return tls(f, s, tsNanos, 't');
  }

  /** @param transport JA4's first letter: 't' TCP, 'q' QUIC */
  static Event tls(Flow f, TlsSession s, long tsNanos, char transport) {
    Tls.Builder b = Tls.newBuilder()
        .setUid(f.uid())
        .setTs(ts(tsNanos))
        .setOrigH(f.origAddress())
        .setOrigP(f.origPort())
        .setRespH(f.respAddress())
        .setRespP(f.respPort());
    if (s.versionName() != null) {
      b.setVersion(s.versionName());
    }
    if (s.cipherName() != null) {
      b.setCipher(s.cipherName());
    }
    if (s.curveName() != null) {
      b.setCurve(s.curveName());
    }
    if (s.serverName() != null) {
      b.setServerName(s.serverName());
    }
    b.setResumed(s.resumed());
    if (s.nextProtocol() != null) {
      b.setNextProtocol(s.nextProtocol());
    }
    b.setEstablished(s.established());
    if (s.ja3() != null) {
      b.setJa3(s.ja3());
    }
    if (s.ja3s() != null) {
      b.setJa3S(s.ja3s());
    }
    ClientHello first = s.clientHello();
    String ja4 = first == null || first.sslv2 ? null : transport == 't' ? s.ja4() : first.ja4(transport, false, false);
    if (ja4 != null) {
      b.setJa4(ja4);
    }
    b.addAllCertChainFps(s.certChainFps());
    if (s.subject() != null) {
      b.setSubject(s.subject());
    }
    if (s.issuer() != null) {
      b.setIssuer(s.issuer());
    }
    b.addAllClientCertChainFps(s.clientCertChainFps());
    if (s.lastAlert() != null) {
      b.setLastAlert(s.lastAlert());
    }
    if (!s.history().isEmpty()) {
      b.setSslHistory(s.history());
    }
    ClientHello ch = s.clientHello();
    if (ch != null) {
      b.setClientVersion(TlsNames.version(ch.maxVersion()));
      b.addAllAlpnOffered(ch.alpn);
      for (int v : ch.supportedVersions) {
        if (!grease(v)) {
          b.addClientSupportedVersions(TlsNames.version(v));
        }
      }
      for (int g : ch.supportedGroups) {
        if (!grease(g)) {
          b.addClientCurves(TlsNames.group(g));
        }
      }
    }
    b.setFlipped(s.flipped());
    for (TlsCertificate c : s.serverCertificates()) {
      b.addCertificates(certificate(c));
    }
    return Event.newBuilder().setTls(b).build();
  }

  private static boolean grease(int v) {
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
  }

  private static Certificate certificate(TlsCertificate c) {
    Certificate.Builder b = Certificate.newBuilder().setSha256(c.sha256).setSha1(c.sha1);
    if (c.subject != null) {
      b.setSubject(c.subject);
    }
    if (c.issuer != null) {
      b.setIssuer(c.issuer);
    }
    if (c.serial != null) {
      b.setSerial(c.serial);
    }
    if (c.notBefore != null) {
      b.setNotBefore(ts(c.notBefore));
    }
    if (c.notAfter != null) {
      b.setNotAfter(ts(c.notAfter));
    }
    b.addAllSanDns(c.sanDns);
    b.addAllSanIp(c.sanIp);
    if (c.keyType != null) {
      b.setKeyType(c.keyType);
    }
    if (c.keyBits > 0) {
      b.setKeyBits(c.keyBits);
    }
    if (c.signatureAlgorithm != null) {
      b.setSignatureAlgorithm(c.signatureAlgorithm);
    }
    if (c.parseError != null || c.partialError != null) {
      b.setParseError(c.parseError != null ? c.parseError : c.partialError);
    }
    return b.build();
  }

  /** Whether a session is worth a record: a hello was seen. */
  static boolean hasHello(TlsSession s) {
    ClientHello c = s.clientHello();
    ServerHello h = s.serverHello();
    return c != null || h != null;
  }

  // ------------------------------------------------------------------ http

  static Event http(Flow f, HttpTransaction t) {
    Http.Builder b = Http.newBuilder()
        .setUid(f.uid())
        .setTs(ts(t.tsNanos()))
        .setOrigH(f.origAddress())
        .setOrigP(f.origPort())
        .setRespH(f.respAddress())
        .setRespP(f.respPort())
        .setTransDepth(t.transDepth());
    if (t.method() != null) {
      b.setMethod(t.method());
    }
    if (t.host() != null) {
      b.setHost(t.host());
    }
    if (t.uri() != null) {
      b.setUri(t.uri());
    }
    if (t.referrer() != null) {
      b.setReferrer(t.referrer());
    }
    // Zeek's version is the response's; without a response the request's is still what the
    // transaction spoke (Zeek leaves it empty, tshark's oracle reads the request's)
    String version = t.version() != null ? t.version() : t.requestVersion();
    if (version != null) {
      b.setVersion(version);
    }
    if (t.userAgent() != null) {
      b.setUserAgent(t.userAgent());
    }
    if (t.origin() != null) {
      b.setOrigin(t.origin());
    }
    b.setRequestBodyLen(t.requestBodyLen());
    b.setResponseBodyLen(t.responseBodyLen());
    if (t.statusCode() >= 0) {
      b.setStatusCode(t.statusCode());
    }
    if (t.statusMsg() != null) {
      b.setStatusMsg(t.statusMsg());
    }
    if (t.infoCode() >= 0) {
      b.setInfoCode(t.infoCode());
    }
    if (t.infoMsg() != null) {
      b.setInfoMsg(t.infoMsg());
    }
    if (t.username() != null) {
      b.setUsername(t.username());
    }
    b.addAllOrigMimeTypes(t.origMimeTypes());
    b.addAllRespMimeTypes(t.respMimeTypes());
    b.addAllProxied(t.proxied());
    return Event.newBuilder().setHttp(b).build();
  }

  // ------------------------------------------------------------------ notice

  /**
   * @param isOrig 1 originator's direction, 0 responder's, -1 the connection
   */
  static Event notice(Flow f, long tsNanos, String name, String addl, String source, int isOrig) {
    Notice.Builder b = Notice.newBuilder()
        .setUid(f.uid())
        .setTs(ts(tsNanos))
        .setOrigH(f.origAddress())
        .setOrigP(f.origPort())
        .setRespH(f.respAddress())
        .setRespP(f.respPort())
        .setName(name)
        .setSource(source);
    if (addl != null) {
      b.setAddl(addl);
    }
    if (isOrig >= 0) {
      b.setIsOrig(isOrig == 1);
    }
    return Event.newBuilder().setNotice(b).build();
  }
}
