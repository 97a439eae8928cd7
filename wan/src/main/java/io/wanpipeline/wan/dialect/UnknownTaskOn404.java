package io.wanpipeline.wan.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.dashscope.GatewayErrors;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import java.io.IOException;

/**
 * The errors of a gateway that answers a task it does not know (or has forgotten) with HTTP 404 and
 * a JSON object (MuleRouter, Vtrix): read as UNKNOWN, as DashScope answers such a task. A 404 that
 * is not JSON (a proxy's page) stays a failure.
 */
public class UnknownTaskOn404 implements GatewayErrors {

  /** Only reads trees; never configured after construction. */
  private static final ObjectMapper READER = new ObjectMapper();

  @Override
  public boolean unknownTask(int httpStatus, ProviderErrorBody error, byte[] body) {
    if (httpStatus != 404) {
      return false;
    }
    if (body == null || body.length == 0) {
      return true;
    }
    try {
      JsonNode root = READER.readTree(body);
      return root != null && root.isObject();
    } catch (IOException e) {
      return false;
    }
  }
}
