package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.submitter.SubmissionQueue;
import java.util.Objects;

/**
 * The unit the provider caps: one model in one provider account.
 *
 * @param account provider account name
 * @param model provider model id
 */
public record LaneKey(String account, String model) {
  public LaneKey {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(model, "model");
  }

  @Override
  public String toString() {
    return SubmissionQueue.key(account, model);
  }
}
