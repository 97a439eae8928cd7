package io.wanpipeline.billing.price;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.events.Price;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes the price file reader with arbitrary bytes read as UTF-8 (as {@link PriceFile#bundled()}
 * reads them): the result is either prices that obey the file's rules or an {@link
 * IllegalArgumentException} that names the file and a line of it. Seeds: lines of the bundled file.
 */
class PriceFileFuzzTest {
  private static final String NAME = "fuzzed.csv";
  private static final Pattern LOCATED = Pattern.compile("(?s)" + NAME + ":(\\d+): .+");

  @FuzzTest(maxDuration = "10s")
  void givesPricesOrAnErrorNamingTheLine(byte[] input) throws IOException {
    // Malformed UTF-8 becomes U+FFFD, as the InputStreamReader of PriceFile.bundled() makes it.
    String text = new String(input, StandardCharsets.UTF_8);
    List<Price> prices;
    try {
      prices = PriceFile.parse(new StringReader(text), NAME);
    } catch (IllegalArgumentException e) {
      Matcher located = LOCATED.matcher(String.valueOf(e.getMessage()));
      assertThat(located.matches()).as("error names the line: %s", e.getMessage()).isTrue();
      assertThat(Integer.parseInt(located.group(1))).isBetween(1, lines(text).size());
      return;
    }
    long priceLines =
        lines(text).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .count();
    assertThat(prices).hasSize((int) priceLines);
    for (Price p : prices) {
      assertThat(p.getProviderAccount()).isNotBlank();
      assertThat(p.getModel()).isNotBlank();
      assertThat(p.getTier()).isNotBlank();
      assertThat(p.getCurrency()).matches("[A-Z]{3}");
      assertThat(p.getMicrosPerSecond()).isNotNegative();
      assertThat(p.getEffectiveFrom()).isAfterOrEqualTo(Instant.EPOCH);
    }
  }

  private static List<String> lines(String text) throws IOException {
    return new BufferedReader(new StringReader(text)).lines().toList();
  }
}
