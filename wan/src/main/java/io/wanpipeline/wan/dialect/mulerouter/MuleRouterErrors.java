package io.wanpipeline.wan.dialect.mulerouter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dialect.UnknownTaskOn404;

/**
 * MuleRouter's error answers: {@code task_info.error}, {@code error} or top-level {@code
 * code}/{@code title}/{@code detail} ({@link MuleRouterAnswers#error}), classified by MuleRouter's
 * own code and its {@code title: detail} text; an unknown task answers 404.
 */
final class MuleRouterErrors extends UnknownTaskOn404 {

  @Override
  public ProviderErrorBody read(byte[] body, ObjectMapper mapper) {
    MuleRouterAnswers.ErrorInfo error = MuleRouterAnswers.error(body, mapper);
    return new ProviderErrorBody(error.code(), error.text(), null);
  }
}
