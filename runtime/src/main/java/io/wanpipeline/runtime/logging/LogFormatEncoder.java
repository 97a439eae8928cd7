package io.wanpipeline.runtime.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;

/**
 * The encoder of {@code logback.xml}: the {@code text} or {@code json} format of {@value
 * LogSetup#FORMAT}, chosen once at start. One appender with this encoder, rather than an appender
 * per format chosen by name, because logback warns at start-up about every appender declared and
 * not used, and that warning would open every service's log.
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent> {
  /** The text format: date with its zone, level, thread, logger, message. */
  static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

  private String format = "text";
  private Encoder<ILoggingEvent> delegate;

  /** {@code text} or {@code json}; set by logback from the configuration. */
  public void setFormat(String format) {
    this.format = format == null ? "text" : format.trim().toLowerCase(Locale.ROOT);
  }

  /** The format in force. */
  public String getFormat() {
    return format;
  }

  @Override
  public void start() {
    if ("json".equals(format)) {
      LogstashEncoder json = new LogstashEncoder();
      json.setContext(getContext());
      LogstashFieldNames names = new LogstashFieldNames();
      names.setVersion("[ignore]");
      names.setLevelValue("[ignore]");
      json.setFieldNames(names);
      json.setTimeZone("UTC");
      delegate = json;
    } else {
      if (!"text".equals(format)) {
        addError(LogSetup.FORMAT + " must be text or json, not '" + format + "': using text");
      }
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setContext(getContext());
      text.setPattern(TEXT_PATTERN);
      delegate = text;
    }
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
