/** What a failed Kafka transaction means for the transactional loops of the services. */
package io.wanpipeline.runtime.transaction;
