package io.wanpipeline.wan.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The JSON reader of every dialect's answers: decimals read exactly (usage durations are billed to
 * the millisecond), unknown fields ignored, and an answer that is JSON but cannot be read (a number
 * whose exponent overflows {@link java.math.BigDecimal}, such as {@code 1e9999999990}) is an {@link
 * IOException} like any other malformed answer, never an unchecked exception out of a client.
 */
public final class ProviderJsonMapper extends ObjectMapper {
  private static final long serialVersionUID = 1L;

  public ProviderJsonMapper() {
    enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  @Override
  public JsonNode readTree(byte[] content) throws IOException {
    try {
      return super.readTree(content);
    } catch (NumberFormatException e) {
      throw new JsonParseException(null, "a number in the answer is out of range", e);
    }
  }

  @Override
  public ObjectMapper copy() {
    throw new UnsupportedOperationException("ProviderJsonMapper is not copied");
  }
}
