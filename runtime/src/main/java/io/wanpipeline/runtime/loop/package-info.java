/**
 * The one transactional loop of the services (poll, handle, produce and commit offsets in one
 * transaction), its classification of failures and its writer.
 */
package io.wanpipeline.runtime.loop;
