/**
 * The APIYI dialect: DashScope passthrough create calls under {@code /wan}, tasks polled on APIYI's
 * normalized {@code /v1/tasks/{task_id}}.
 */
package io.wanpipeline.wan.dialect.apiyi;
