package dev.nsm.sensor.flow;
// TEMPORARY STUB by the lead so that main compiles until the helper branch (flow / readers) is merged.
// On a merge conflict keep the helper branch's version of this file entirely.
public final class FlowConfig { int maxFlows = 1000; public static FlowConfig defaults() { return new FlowConfig(); } public FlowConfig withMaxFlows(int n) { maxFlows = n; return this; } }
