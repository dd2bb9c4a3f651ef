// Types of dist-state.mjs (plain JavaScript, so that bin/dnsplane.js can run it before anything is compiled).
export declare const STAMP: string;
export declare function distState(root: string): 'current' | 'stale' | 'installed';
