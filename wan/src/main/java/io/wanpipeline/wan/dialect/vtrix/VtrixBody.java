package io.wanpipeline.wan.dialect.vtrix;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.dashscope.CreateTaskBody;

/**
 * Maps a {@link GenerationRequest} to a Vtrix create body: the native {@code input} and {@code
 * parameters} objects ({@link CreateTaskBody}) under Vtrix's model id, in the chosen {@link
 * VtrixEnvelope}.
 */
public final class VtrixBody {

  private VtrixBody() {}

  /**
   * The JSON body.
   *
   * @param gatewayModel Vtrix's id of the request's model, for example {@code wan22_i2v_flash}
   */
  public static ObjectNode of(
      GenerationRequest request, String gatewayModel, VtrixEnvelope envelope, ObjectMapper mapper) {
    ObjectNode wan = CreateTaskBody.of(request, mapper);
    wan.remove("model");
    ObjectNode body = mapper.createObjectNode();
    body.put("model", gatewayModel);
    switch (envelope) {
      case OBJECT -> body.setAll(wan);
      case PARAMS_ARRAY -> body.putArray("input").addObject().set("params", wan);
      default -> throw new IllegalStateException("unknown envelope " + envelope);
    }
    return body;
  }
}
