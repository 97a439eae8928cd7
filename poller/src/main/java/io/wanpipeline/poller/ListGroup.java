package io.wanpipeline.poller;

import io.wanpipeline.events.internal.InFlightTask;

/**
 * Tasks one list call can answer: created with the same key (so of the same account) for the same
 * model.
 *
 * @param apiKeyRef the reference of the key that created the tasks
 * @param account the provider account of that key
 * @param model the model the tasks were created for
 */
record ListGroup(String apiKeyRef, String account, String model) {
  static ListGroup of(InFlightTask task) {
    String ref = task.getStatus().getApiKeyRef();
    int hash = ref.lastIndexOf('#');
    return new ListGroup(ref, hash < 0 ? ref : ref.substring(0, hash), task.getStatus().getModel());
  }
}
