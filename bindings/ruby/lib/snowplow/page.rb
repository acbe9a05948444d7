# frozen_string_literal: true

module Snowplow
  # The page an event happened on, given to a track method as `page:` (as in
  # snowplow-tracker 0.7): its url (`url`), title (`page`) and referrer
  # (`refr`) are sent with that event, whatever its type. For a page view or
  # ping they replace the event's own page_url, page_title and referrer; a
  # field the Page leaves nil (or "") is not touched.
  class Page
    attr_reader :page_url, :page_title, :referrer

    def initialize(page_url: nil, page_title: nil, referrer: nil)
      @page_url = Convert.string(page_url, "Page: page_url")
      @page_title = Convert.string(page_title, "Page: page_title")
      @referrer = Convert.string(referrer, "Page: referrer")
    end

    # The protocol fields: {"url" => ..., "page" => ..., "refr" => ...} (0.7).
    def details
      { "url" => @page_url, "page" => @page_title, "refr" => @referrer }
    end

    # page_url, page_title and referrer of a page view or ping, each replaced
    # by this page's where it has one.
    def merge(page_url, page_title, referrer)
      [pick(@page_url, page_url), pick(@page_title, page_title), pick(@referrer, referrer)]
    end

    private

    def pick(own, given)
      own.nil? || own.empty? ? given : own
    end
  end
end
