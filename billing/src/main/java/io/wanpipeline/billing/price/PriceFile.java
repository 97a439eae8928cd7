package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a versioned price file (CSV; the format is described at the top of {@code
 * prices/wan-prices-v1.csv}) into {@link Price} records. Decimal prices become integer micro-units
 * through {@link BigDecimal}, never through floating point; a malformed line fails with its line
 * number.
 */
public final class PriceFile {
  /** The classpath resource of the bundled price file. */
  public static final String BUNDLED_RESOURCE = "prices/wan-prices-v1.csv";

  private static final int COLUMNS = 8;
  private static final int MICRO_DIGITS = 6;
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private PriceFile() {}

  /** The bundled price file. */
  public static List<Price> bundled() {
    InputStream in = PriceFile.class.getClassLoader().getResourceAsStream(BUNDLED_RESOURCE);
    if (in == null) {
      throw new IllegalStateException("price file resource " + BUNDLED_RESOURCE + " is missing");
    }
    try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return parse(reader, BUNDLED_RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + BUNDLED_RESOURCE, e);
    }
  }

  /** A price file on disk. */
  public static List<Price> read(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(reader, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read price file " + file, e);
    }
  }

  /**
   * Parses price lines; {@code name} is used in error messages.
   *
   * @throws IllegalArgumentException on a malformed line or a key listed twice
   */
  public static List<Price> parse(Reader reader, String name) throws IOException {
    List<Price> prices = new ArrayList<>();
    Set<String> versions = new HashSet<>();
    BufferedReader lines = new BufferedReader(reader);
    String line;
    int number = 0;
    while ((line = lines.readLine()) != null) {
      number++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      Price price = parseLine(trimmed, name, number);
      String version;
      try {
        version = PriceKey.of(price).versionKey(price.getEffectiveFrom());
      } catch (IllegalArgumentException | ArithmeticException e) {
        // before 1970, or past the epoch milliseconds a long holds
        throw new IllegalArgumentException(name + ":" + number + ": " + e.getMessage(), e);
      }
      if (!versions.add(version)) {
        throw new IllegalArgumentException(
            name + ":" + number + ": price listed twice for " + version);
      }
      prices.add(price);
    }
    return List.copyOf(prices);
  }

  /** Converts a decimal amount of major units to micro-units, exactly. */
  public static long toMicros(String decimal) {
    BigDecimal value = new BigDecimal(decimal.strip());
    if (value.signum() < 0) {
      throw new IllegalArgumentException("negative price " + decimal);
    }
    if (value.stripTrailingZeros().scale() > MICRO_DIGITS) {
      throw new IllegalArgumentException("price " + decimal + " has more than 6 decimals");
    }
    return value.movePointRight(MICRO_DIGITS).longValueExact();
  }

  private static Price parseLine(String line, String name, int number) {
    String[] cells = line.split(",", COLUMNS);
    if (cells.length != COLUMNS) {
      throw new IllegalArgumentException(
          name + ":" + number + ": expected " + COLUMNS + " columns, got " + cells.length);
    }
    try {
      String account = required(cells[0], "provider_account");
      String model = required(cells[1], "model");
      String tier = required(cells[2], "tier").toUpperCase(Locale.ROOT);
      boolean audio = bool(cells[3]);
      String currency = cells[4].strip();
      if (!CURRENCY.matcher(currency).matches()) {
        throw new IllegalArgumentException("currency must be an ISO 4217 code, got " + currency);
      }
      long micros = toMicros(cells[5]);
      Instant effectiveFrom = Instant.parse(cells[6].strip());
      String source = cells[7].strip();
      return Price.newBuilder()
          .setProviderAccount(account)
          .setModel(model)
          .setTier(tier)
          .setAudio(audio)
          .setCurrency(currency)
          .setMicrosPerSecond(micros)
          .setEffectiveFrom(effectiveFrom)
          .setSource(source.isEmpty() ? null : source)
          .build();
    } catch (IllegalArgumentException | ArithmeticException | DateTimeParseException e) {
      throw new IllegalArgumentException(name + ":" + number + ": " + e.getMessage(), e);
    }
  }

  private static String required(String cell, String column) {
    String value = cell.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(column + " is empty");
    }
    return value;
  }

  private static boolean bool(String cell) {
    String value = cell.strip();
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new IllegalArgumentException("audio must be true or false, got " + value);
  }
}
