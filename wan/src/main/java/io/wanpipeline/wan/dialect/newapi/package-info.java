/**
 * Conventions shared by the gateways built on new-api (QuantumNous/new-api), such as Crazyrouter
 * and APIYI: the distributor's refusals before a call is dispatched upstream, and the answer for a
 * task the gateway has no record of.
 */
package io.wanpipeline.wan.dialect.newapi;
