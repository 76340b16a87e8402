// WebRTC for Node from @roamhq/wrtc, under the name webtorrent's and bittorrent-tracker's
// dependencies import (see package.json "overrides" and the README's dependency notes).
import wrtc from '@roamhq/wrtc';

export const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate } = wrtc;
export default wrtc;
