package io.wanpipeline.infra.bench;

import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dashscope.TaskResponseParser;
import java.util.Objects;

/**
 * A {@link WanClient} that queries the simulator's task board in the same process, without HTTP:
 * the same key check, query budget, ledger and answer JSON (read by the HTTP client's own parser)
 * as the query route. Create, cancel and list calls go to {@code others} (normally an HTTP client
 * of the same simulator). For measuring a caller when loopback HTTP, not the caller, would be the
 * limit.
 */
final class BoardClient implements WanClient {
  private final WanSimulator simulator;
  private final WanClient others;

  BoardClient(WanSimulator simulator, WanClient others) {
    this.simulator = Objects.requireNonNull(simulator, "simulator");
    this.others = Objects.requireNonNull(others, "others");
  }

  @Override
  public SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId) {
    return others.submit(key, request, pipelineRequestId);
  }

  @Override
  public QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId) {
    WanSimulator.QueryAnswer answer = simulator.queryInProcess(key.secret(), taskId);
    if (answer.body() == null) {
      boolean throttled = answer.status() == 429;
      return new QueryOutcome.Failed<>(
          new WanError(
              answer.code(),
              answer.message(),
              throttled || answer.status() >= 500,
              WanError.Stage.QUERY,
              answer.status(),
              answer.retryAfter()));
    }
    try {
      return new QueryOutcome.Answered<>(TaskResponseParser.snapshot(answer.body()));
    } catch (MalformedResponseException e) {
      return new QueryOutcome.Failed<>(
          new WanError(
              "MALFORMED_RESPONSE", e.getMessage(), true, WanError.Stage.QUERY, 200, null));
    }
  }

  @Override
  public QueryOutcome<Boolean> cancel(ApiKey key, String taskId) {
    return others.cancel(key, taskId);
  }

  @Override
  public QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query) {
    return others.list(key, query);
  }
}
