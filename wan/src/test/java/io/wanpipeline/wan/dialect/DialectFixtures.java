package io.wanpipeline.wan.dialect;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Gateway answers and bodies under {@code src/test/resources/<dialect>/}. */
public final class DialectFixtures {
  /** The mapper the fixtures are read with (decimals kept exact, like the clients). */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private DialectFixtures() {}

  /** The bytes of {@code <dialect>/<name>}. */
  public static byte[] bytes(String dialect, String name) {
    String path = "/" + dialect + "/" + name;
    try (InputStream in = DialectFixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON of {@code <dialect>/<name>}. */
  public static JsonNode json(String dialect, String name) {
    try {
      return MAPPER.readTree(bytes(dialect, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code node} as a peer reads it off the wire (numbers take their narrowest JSON type). */
  public static JsonNode wire(JsonNode node) {
    try {
      return MAPPER.readTree(MAPPER.writeValueAsBytes(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
