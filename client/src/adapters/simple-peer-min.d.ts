/**
 * simple-peer's prebuilt browser bundle: self-contained (Buffer, process and streams inside), so
 * Vite needs no Node polyfills. Same API as the `simple-peer` package.
 */
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer';
  export default SimplePeer;
}
