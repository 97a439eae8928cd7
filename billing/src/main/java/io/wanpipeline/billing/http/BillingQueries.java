package io.wanpipeline.billing.http;

import io.wanpipeline.billing.estimate.CostEstimator;
import io.wanpipeline.events.AccountTotal;
import java.net.URI;
import java.time.LocalDate;
import java.util.List;

/** What the billing HTTP server asks of the billing service. */
public interface BillingQueries {

  /**
   * This instance's totals of {@code account} from {@code from} to {@code to} inclusive.
   *
   * @throws org.apache.kafka.streams.errors.InvalidStateStoreException while not queryable
   */
  List<AccountTotal> localTotals(String account, LocalDate from, LocalDate to);

  /** Base URLs of every instance that holds a part of the totals store, this one included. */
  List<URI> totalsInstances();

  /** This instance's own base URL, as advertised to the others. */
  URI self();

  /** An estimator over the prices in force now. */
  CostEstimator estimator();
}
