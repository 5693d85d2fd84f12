/// What ``ConnectionStateMachine``'s events return, and what its caller reports back.
extension ConnectionStateMachine {
    /// What the connection decided from the head of a request with a body.
    enum HeadVerdict {
        /// Read the body; `charged` bytes of it were charged to the server's body budget (a ``Quota``).
        case accepted(charged: Int)
        /// Answer from the head without holding the body.
        case refused(HeadRefusal)
    }

    /// What the connection does next.
    enum Action {
        /// Nothing until the next socket event, response, stream piece or timer (after
        /// ``parseNext(unsent:now:)`` found nothing to do either).
        case wait
        /// Read once from the socket; report ``bytesReceived(_:unsent:now:)`` or ``peerClosed(unsent:now:)``.
        case read
        /// Read once and drop what arrived (lingering); report ``peerClosed(unsent:now:)`` on EOF.
        case discardInput
        /// Screen this head before its body is read: route it, run the route's screen, charge
        /// `bodyLength` (known for `Content-Length` bodies) to the body budget; report
        /// ``headScreened(_:unsent:now:)``.
        case screen(Request, bodyLength: Int?)
        /// Queue `HTTP/1.1 100 Continue`.
        case sendContinue
        /// Route the request and run its handler; the answer comes back as
        /// ``responseReady(_:serial:now:)`` with `serial`.
        case dispatch(Request, serial: UInt64)
        /// Answer exchange `serial` with `503`: the request arrived after shutdown began.
        case refuseShuttingDown(Request, serial: UInt64)
        /// Answer exchange `serial` as the screen decided, without reading the body.
        ///
        /// Boxed: the largest payload, on a cold path; unboxed it would double the size of every
        /// action the hot path moves.
        indirect case answerRefusedHead(Request, HeadRefusal, serial: UInt64)
        /// Charge `bytes` more of a growing (chunked) body to the body budget; report
        /// ``bodyCharged(_:granted:)``.
        case chargeBody(Int)
        /// Answer exchange `serial` with `503` and `Retry-After`: the budget for bodies is spent.
        /// `requestID`: the client's `X-Request-Id`, if it sent one, for the answer to echo.
        case refuseBodyOverBudget(serial: UInt64, requestID: String?)
        /// Queue an error response with `Connection: close` for a request the parser or a timer
        /// refused (it never reached a handler); the connection closes after it. `requestID` as
        /// above, when the head was read.
        ///
        /// Boxed, as ``answerRefusedHead(_:_:serial:)`` is: a cold path's payload.
        indirect case sendError(status: Int, detail: String, requestID: String?)
        /// Queue `response` framed as `head` says. The exchange is over: log it and return
        /// `releasing` bytes to the body budget.
        case writeResponse(Response, ResponseHead, releasing: Int)
        /// Queue the head of a streamed response and start `body`'s producer; its pieces come
        /// back as ``streamChunk(_:serial:)`` and ``streamEnded(serial:failed:now:)``.
        case startStream(Response, ResponseHead, StreamingBody, serial: UInt64)
        /// Queue one piece of a streamed body (as a chunk when `chunked`).
        case writeBodyPiece([UInt8], chunked: Bool)
        /// Queue the end of a streamed body (the last chunk when `chunked`). The exchange is
        /// over: log `status` and return `releasing` bytes to the body budget.
        case endStream(chunked: Bool, status: Int, releasing: Int)
        /// Wake the stream's producer: the output it may be waiting on is written.
        case resumeProducer
        /// Shut the socket's write side (graceful close, RFC 9112 §9.6).
        case shutdownWrite
        /// Close the socket and return `releasing` bytes to the body budget; `failedStatus` is
        /// the status of a streamed response cut short, to be logged first.
        case close(releasing: Int, failedStatus: Int?)
    }

    /// How a response is framed: what ``ResponseEncoder/appendHead`` needs beyond the response.
    struct ResponseHead: Equatable {
        let framing: ResponseEncoder.Framing
        let connection: ResponseEncoder.ConnectionHeader?
        /// The body follows the head (not for `HEAD`, 1xx, 204 or 304).
        let includesBody: Bool
    }
}

extension ConnectionStateMachine.Action {
    /// Whether this is ``wait``; asks without copying (or consuming) the action.
    var isWait: Bool {
        if case .wait = self { return true }
        return false
    }
}
