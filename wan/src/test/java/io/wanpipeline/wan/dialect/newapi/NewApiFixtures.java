package io.wanpipeline.wan.dialect.newapi;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Gateway answers under {@code src/test/resources/<dialect>/}, read as bytes or JSON. */
public final class NewApiFixtures {

  /** The mapper the clients read answers with. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private NewApiFixtures() {}

  /** The bytes of {@code /<dialect>/<name>}. */
  public static byte[] bytes(String dialect, String name) {
    String path = "/" + dialect + "/" + name;
    try (InputStream in = NewApiFixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON of {@code /<dialect>/<name>}. */
  public static JsonNode json(String dialect, String name) {
    try {
      return MAPPER.readTree(bytes(dialect, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
