package io.wanpipeline.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Applies the logging keys of a service's configuration to logback, whose {@code logback.xml} (in
 * this module) reads the same keys from system properties and the environment at start-up. The
 * properties file is read later than that, so {@link #apply} runs the configuration again with the
 * file's values; the environment still wins, as for every other key ({@link Settings}), and a
 * system property wins over both.
 *
 * <p>The keys, decided here and documented in docs/configuration.md:
 *
 * <ul>
 *   <li>{@value #FORMAT}: {@code text} (a line with date, zone, thread, level and logger) or {@code
 *       json} (one object per line with the MDC: {@code requestId}, {@code taskId}, {@code
 *       account});
 *   <li>{@value #LEVEL}: the level of wan-pipeline's own loggers, default {@code INFO};
 *   <li>{@value #ROOT_LEVEL}: the level of every other logger (Kafka, the AWS SDK), default {@code
 *       WARN}.
 * </ul>
 *
 * <p>A file named by {@code -Dlogback.configurationFile} is the operator's own: nothing here
 * touches it.
 */
public final class LogSetup {
  /** Key of the output format. */
  public static final String FORMAT = "log.format";

  /** Key of the level of wan-pipeline's loggers. */
  public static final String LEVEL = "log.level";

  /** Key of the level of every other logger. */
  public static final String ROOT_LEVEL = "log.level.root";

  private static final Set<String> FORMATS = Set.of("text", "json");
  private static final Set<String> LEVELS =
      Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  private LogSetup() {}

  /**
   * Checks the logging keys of {@code settings} and configures logback with them.
   *
   * @throws ConfigException if a format or a level is not one of the allowed values
   */
  public static void apply(Settings settings) {
    Map<String, String> values = read(settings);
    Optional<LoggerContext> context = ownContext();
    if (context.isEmpty() || values.isEmpty()) {
      return;
    }
    LoggerContext ctx = context.get();
    // A system property (-Dlog.format=json) already reached logback and wins, as on start-up.
    values.forEach(
        (key, value) -> {
          if (System.getProperty(key) == null) {
            ctx.putProperty(key, value);
          }
        });
    reconfigure(ctx);
  }

  /**
   * The keys present in {@code settings}, checked and normalized (levels in capitals).
   *
   * @throws ConfigException if a value is not allowed
   */
  static Map<String, String> read(Settings settings) {
    Map<String, String> values = new LinkedHashMap<>();
    settings
        .find(FORMAT)
        .map(v -> v.trim().toLowerCase(Locale.ROOT))
        .ifPresent(
            format -> {
              if (!FORMATS.contains(format)) {
                throw new ConfigException(FORMAT + " must be text or json, not '" + format + "'");
              }
              values.put(FORMAT, format);
            });
    for (String key : List.of(LEVEL, ROOT_LEVEL)) {
      settings
          .find(key)
          .map(v -> v.trim().toUpperCase(Locale.ROOT))
          .ifPresent(
              level -> {
                if (!LEVELS.contains(level)) {
                  throw new ConfigException(
                      key
                          + " must be one of "
                          + String.join(", ", LEVELS)
                          + ", not '"
                          + level
                          + "'");
                }
                values.put(key, level);
              });
    }
    return values;
  }

  /**
   * Sends every event to {@code file} (in the configured format) and only errors to the console:
   * for the command line's local stack, whose terminal shows the pipeline's own progress while
   * Kafka's start-up notes (an unknown topic before it is created, standbys that cannot be placed
   * on one instance) stay in the file for whoever looks.
   */
  public static void toFile(Path file) {
    Optional<LoggerContext> context = ownContext();
    if (context.isEmpty()) {
      return;
    }
    LoggerContext ctx = context.get();
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    List<Appender<ILoggingEvent>> consoles = new ArrayList<>();
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> appender = it.next();
      if (appender instanceof ConsoleAppender<ILoggingEvent>) {
        consoles.add(appender);
      }
    }
    FileAppender<ILoggingEvent> toFile = new FileAppender<>();
    toFile.setContext(ctx);
    toFile.setName("file");
    toFile.setFile(file.toString());
    toFile.setAppend(true);
    LogFormatEncoder encoder = new LogFormatEncoder();
    encoder.setContext(ctx);
    if (!consoles.isEmpty()
        && ((ConsoleAppender<ILoggingEvent>) consoles.get(0)).getEncoder()
            instanceof LogFormatEncoder console) {
      encoder.setFormat(console.getFormat());
    }
    encoder.start();
    toFile.setEncoder(encoder);
    toFile.start();
    root.addAppender(toFile);
    for (Appender<ILoggingEvent> console : consoles) {
      ThresholdFilter errorsOnly = new ThresholdFilter();
      errorsOnly.setLevel(Level.ERROR.levelStr);
      errorsOnly.start();
      console.addFilter(errorsOnly);
    }
  }

  /**
   * Sets the level of {@code logger} (and its descendants) for this process, for a command whose
   * output is a table (a benchmark). Does nothing when logback is not the binding or the operator
   * brought a configuration file.
   */
  public static void level(String logger, String level) {
    ownContext().ifPresent(ctx -> ctx.getLogger(logger).setLevel(Level.toLevel(level)));
  }

  /** Logback's context, unless logback is not the binding or the operator brought a file. */
  private static Optional<LoggerContext> ownContext() {
    if (System.getProperty("logback.configurationFile") != null
        || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return Optional.empty();
    }
    return Optional.of(ctx);
  }

  private static void reconfigure(LoggerContext ctx) {
    URL config = LogSetup.class.getResource("/logback.xml");
    if (config == null) {
      return;
    }
    Map<String, String> kept = new LinkedHashMap<>(ctx.getCopyOfPropertyMap());
    ctx.reset();
    kept.forEach(ctx::putProperty);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(ctx);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new ConfigException("the logging configuration failed: " + e.getMessage());
    }
  }
}
